/**
 * simple-auth's mailed links lead to working pages, in real Chromium, with a real SMTP receiver:
 * the activation link of a new account (`/#/activate?…`) and the one-time sign-in link of
 * "forgot password" (`/onetime?token=`). (ARC's and basic's links: mailed-links.db.test.ts.)
 * Each flow is completed and then proved by signing in with what the page set. Runs on SQLite and
 * PostgreSQL.
 */
import { afterAll, beforeAll, expect, it as vit } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../support/chromium.js';
import { expectAccessible, openPage } from '../support/browser.js';
import { client, describeDb, startServer, type TestServer } from '../support/server.js';
import { startSmtp, type SmtpReceiver, mailedLink } from '../support/smtp.js';

const missing = chromiumMissing;
if (missing && process.env.CI) throw new Error(`CI requires Chromium: ${missing}`);
if (missing) console.warn(`[mailed links] skipped: ${missing}`);

/** Browser flows on a busy machine: more time than the default. */
const it = (name: string, fn: () => Promise<void>) => vit(name, fn, 90_000);
const describeIf = missing ? async (name: string, fn: () => void) => (await import('vitest')).describe.skip(name, fn) : describeDb;

await describeIf('mailed simple-auth links lead to working pages', () => {
  let srv: TestServer;
  let smtp: SmtpReceiver;
  let browser: Browser;
  let req: ReturnType<typeof client>;

  beforeAll(async () => {
    smtp = await startSmtp();
    srv = await startServer({
      smtpUrl: smtp.url,
      simpleOnetimeAllowForgotPassword: true,
      simpleEmailValidationRequired: true,
      simpleBaseUrl: 'http://mail.example.test',
    });
    req = client(srv.url);
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

  it('simple create account with email validation → activation mail → activated and signs in', async () => {
    const { context, page, problems } = await openPage(browser);
    await page.goto(`${srv.url}/create`);
    await page.getByLabel('Email').fill('newbie@example.com');
    await page.getByLabel('Username').fill('newbie');
    await page.getByLabel('Password', { exact: true }).fill('newbie-pass');
    await page.getByLabel('Confirm password').fill('newbie-pass');
    await page.getByText('This username is available.').waitFor();
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('We sent you an email').waitFor();
    await expectAccessible(page, 'create-account check your email');

    // Before activation the account has a hold, and the sign-in page says so.
    await page.goto(`${srv.url}/`);
    await page.getByLabel('Username or email').fill('newbie');
    await page.getByLabel('Password').fill('newbie-pass');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('This account has a hold').waitFor();
    await expectAccessible(page, 'sign-in with a hold');

    const mail = await smtp.waitFor((m) => m.to.includes('newbie@example.com') && m.text.includes('/#/activate?'));
    const link = linkIn(mail.text, /http:\/\/mail\.example\.test\/#\/activate\?\S+/);
    await page.goto(link);
    await page.getByText('Your email address is confirmed').waitFor();
    expect(new URL(page.url()).pathname).toBe('/activate');
    await expectAccessible(page, 'activate done');
    expect((await signIn('newbie', 'newbie-pass')).status).toBe(200);
    // The same link again fails (the stipulation is gone).
    await page.goto(link);
    await page.getByText('This confirmation link did not work').waitFor();
    await expectAccessible(page, 'activate failed');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('simple forgot-password: the same answer for unknown and known emails; the mailed /onetime link lands signed in', async () => {
    await srv.core.accounts.create({ username: 'forgetful', password: 'forget-pass', email: 'forgetful@example.com' });
    const { context, page, problems } = await openPage(browser);
    const ask = async (email: string) => {
      await page.goto(`${srv.url}/`);
      await page.getByRole('link', { name: 'Forgot password?' }).click();
      await page.getByLabel('Email').fill(email);
      const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/onetime'), { timeout: 60_000 });
      await page.getByRole('button', { name: 'Send the link' }).click();
      const r = await answered;
      await page.getByRole('status').filter({ hasText: 'If an account exists' }).waitFor();
      return { status: r.status(), body: await r.text(), text: await page.locator('main').innerText() };
    };
    const unknown = await ask('nobody@example.com');
    await expectAccessible(page, 'forgot-password sent');
    const known = await ask('forgetful@example.com');
    // Attack: account enumeration. The server and the page answer alike for both.
    expect(known).toEqual(unknown);

    const mail = await smtp.waitFor((m) => m.to.includes('forgetful@example.com'));
    const link = linkIn(mail.text, /http:\/\/mail\.example\.test\/onetime\?token=\S+/);
    expect(smtp.messages.some((m) => m.to.includes('nobody@example.com'))).toBe(false);
    await page.goto(link);
    await page.waitForURL(`${srv.url}/account`);
    const cookie = (await context.cookies(srv.url)).find((c) => c.name === 'auth')?.value;
    const me = await req('GET', '/api/v1/account', { headers: { cookie: `auth=${cookie}` } });
    expect(me.status).toBe(200);
    // Signed in by the link: the account page may set a new password without the old one.
    const local = await req('GET', '/api/v1/local', { headers: { cookie: `auth=${cookie}` } });
    expect(local.body.requireOldPassword).toBe(false);
    expect(problems).toEqual([]);
    await context.close();
  });
});
