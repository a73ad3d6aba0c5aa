/**
 * ARC's and basic's mailed links lead to working pages, in real Chromium, with a real SMTP receiver:
 * the reset links (`/reset-password?token=`) and ARC's sign-up link (`/sign-up?code=`).
 * (simple-auth's links: mailed-links-simple.db.test.ts.)
 * Each flow is completed and then proved by signing in with what the page set. Runs on SQLite and
 * PostgreSQL.
 */
import { afterAll, beforeAll, expect, it as vit } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../support/chromium.js';
import { expectAccessible, openPage, screenshot } from '../support/browser.js';
import { client, describeDb, startServer, type TestServer } from '../support/server.js';
import { startSmtp, tokenFromMail, type SmtpReceiver, mailedLink } from '../support/smtp.js';
import { arcFixture } from '../support/fixtures/arc.js';

const missing = chromiumMissing;
if (missing && process.env.CI) throw new Error(`CI requires Chromium: ${missing}`);
if (missing) console.warn(`[mailed links] skipped: ${missing}`);

/** Browser flows on a busy machine: more time than the default. */
const it = (name: string, fn: () => Promise<void>) => vit(name, fn, 90_000);
const describeIf = missing ? async (name: string, fn: () => void) => (await import('vitest')).describe.skip(name, fn) : describeDb;

await describeIf('mailed ARC and basic links lead to working pages', () => {
  let srv: TestServer;
  let smtp: SmtpReceiver;
  let browser: Browser;
  let req: ReturnType<typeof client>;

  beforeAll(async () => {
    smtp = await startSmtp();
    srv = await startServer({
      smtpUrl: smtp.url,
      publicUrl: 'http://mail.example.test',
      resetPasswordUrl: 'http://mail.example.test/reset-password?token={token}',
      signupUrl: 'http://mail.example.test/sign-up?code={token}',
    });
    req = client(srv.url);
    await arcFixture(srv.core);
    await srv.core.accounts.create({ username: 'basicuser', password: 'Basic-pass-1', email: 'basic@example.com' });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await srv?.close();
    await smtp?.close();
  });

  const linkIn = (text: string, pattern: RegExp) => mailedLink(text, pattern, srv.url);
  const CSRF = 'csrfcsrfcsrfcsrfcsrfcsrfcsrfcsrf';
  const signIn = (username: string, password: string) => req('POST', '/api/v1/auth/session', { json: { username, password }, headers: { cookie: `_csrf=${CSRF}`, 'x-csrf-token': CSRF } });

  async function resetThroughPage(page: Page, link: string, password: string, shot?: string) {
    await page.goto(link);
    await page.getByLabel('New password', { exact: true }).waitFor();
    await expectAccessible(page, 'reset-password form');
    // A weak password is refused next to the field before anything is sent.
    await page.getByLabel('New password', { exact: true }).fill('weak');
    await page.getByLabel('Confirm new password').fill('weak');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.locator('#field-password-error').waitFor();
    await expectAccessible(page, 'reset-password with a field error');
    if (shot) await screenshot(page, shot);
    await page.getByLabel('New password', { exact: true }).fill(password);
    await page.getByLabel('Confirm new password').fill(password);
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByText('Your password is changed').waitFor();
    await expectAccessible(page, 'reset-password done');
  }

  it('ARC forget-password mail → /reset-password → the new password works for ARC login; the link works once', async () => {
    const { context, page, problems } = await openPage(browser);
    expect((await req('POST', '/auth/forget-password', { json: { client_id: 'web', client_secret: 'test', username: 'test_user' } })).status).toBe(204);
    const mail = await smtp.waitFor((m) => m.to.includes('xyz@gmail.com') && m.text.includes('/reset-password?token='));
    const link = linkIn(mail.text, /http:\/\/mail\.example\.test\/reset-password\?token=\S+/);
    await resetThroughPage(page, link, 'Arc-new-pass-1', 'reset-password');
    const login = await req('POST', '/auth/login-token', { json: { client_id: 'web', client_secret: 'test', username: 'test_user', password: 'Arc-new-pass-1' } });
    expect(login.status).toBe(200);
    expect((await req('POST', '/auth/login-token', { json: { client_id: 'web', client_secret: 'test', username: 'test_user', password: 'temp123!@' } })).status).toBe(401);

    // Attack: the same link a second time says it was used, before anyone types, and the API refuses it too.
    await page.goto(link);
    await page.getByText('This reset link has already been used').waitFor();
    expect(await page.locator('form#reset').count()).toBe(0);
    await expectAccessible(page, 'reset-password used link');
    const token = new URL(link).searchParams.get('token') as string;
    const again = await req('POST', `/auth/reset-password?token=${encodeURIComponent(token)}`, { json: { password: 'Other-pass-2!' } });
    expect(again.status).toBe(401);
    expect((await req('POST', '/auth/login-token', { json: { client_id: 'web', client_secret: 'test', username: 'test_user', password: 'Other-pass-2!' } })).status).toBe(401);
    // A made-up token is "not valid" at once.
    await page.goto(`${srv.url}/reset-password?token=made-up`);
    await page.getByText('This reset link is not valid or has expired').waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });

  it('basic forgot-password mail → /reset-password → the new password signs in', async () => {
    const { context, page, problems } = await openPage(browser, { viewport: { width: 390, height: 844 } });
    expect((await req('POST', '/auth/forgot-password', { json: { email: 'basic@example.com' } })).status).toBe(204);
    const mail = await smtp.waitFor((m) => m.to.includes('basic@example.com') && m.text.includes('/reset-password?token='));
    const link = linkIn(mail.text, /http:\/\/mail\.example\.test\/reset-password\?token=\S+/);
    await resetThroughPage(page, link, 'Basic-new-pass-2');
    expect((await signIn('basicuser', 'Basic-new-pass-2')).status).toBe(200);
    expect((await signIn('basicuser', 'Basic-pass-1')).status).toBe(401);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('ARC sign-up mail → /sign-up → the account is created and signs in on the sign-in page', async () => {
    const { context, page, problems } = await openPage(browser);
    expect((await req('POST', '/auth/sign-up/create-token', { json: { email: 'joiner@example.com' } })).status).toBe(204);
    const mail = await smtp.waitFor((m) => m.to.includes('joiner@example.com'));
    const code = tokenFromMail(mail.text, 'http://mail.example.test/sign-up?code={token}');
    expect(code).toBeTruthy();
    await page.goto(`${srv.url}/sign-up?code=${encodeURIComponent(String(code))}`);
    await page.getByLabel('First name').waitFor();
    expect(await page.getByLabel('Email').inputValue()).toBe('joiner@example.com');
    await expectAccessible(page, 'sign-up form');
    await page.getByLabel('First name').fill('Jo');
    await page.getByLabel('Last name').fill('Iner');
    await page.getByLabel('Password', { exact: true }).fill('joiner-pass-1');
    await page.getByLabel('Confirm password').fill('joiner-pass-2');
    await page.getByRole('button', { name: 'Create my account' }).click();
    await page.getByText('The passwords do not match.').waitFor();
    await page.getByLabel('Confirm password').fill('joiner-pass-1');
    await page.getByRole('button', { name: 'Create my account' }).click();
    await page.getByText('Your account is created').waitFor();
    await expectAccessible(page, 'sign-up done');
    const user = await srv.core.accounts.byEmail('joiner@example.com');
    expect(user).toMatchObject({ first_name: 'Jo', last_name: 'Iner' });

    // The code is used up: the link now says so.
    await page.goto(`${srv.url}/sign-up?code=${encodeURIComponent(String(code))}`);
    await page.getByText('This sign-up link is not valid').waitFor();

    // And the new account signs in on the sign-in page, landing on its account page.
    await page.goto(`${srv.url}/`);
    await page.getByLabel('Username or email').fill('joiner@example.com');
    await page.getByLabel('Password').fill('joiner-pass-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${srv.url}/account`);
    expect(problems).toEqual([]);
    await context.close();
  });

});
