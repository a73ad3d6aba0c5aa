/**
 * The account pages (`/account` and its tabs) in real Chromium, on SQLite and PostgreSQL:
 * profile and activity, password change (the old password is then refused at sign-in), 2FA set
 * up from the page's secret then required at sign-in then removed, sessions from two browsers
 * with "sign out all others" (the other browser is refused at once), personal access tokens
 * shown once, OAuth2 tokens revoked per application; each state checked with axe, one pass on a
 * phone, and no CSP violation or script error anywhere.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { TOTP, Secret } from 'otpauth';
import { chromiumMissing, launchChromium } from '../support/chromium.js';
import { expectAccessible, openPage as open, screenshot } from '../support/browser.js';
import { startServer, client, describeDb, type TestServer } from '../support/server.js';

const missing = chromiumMissing;
if (missing && process.env.CI) throw new Error(`CI requires Chromium: ${missing}`);
if (missing) console.warn(`[account pages] skipped: ${missing}`);

const CLIENT = { secret: 'client-secret', name: 'Photo Printer', author: 'me', authorurl: 'http://example.com', redirecturi: 'http://example.com/cb', scopes: ['a'], allowcredentials: true };

await describeDb('account pages', () => {
  if (missing) return it.skip('needs Chromium', () => undefined);
  let srv: TestServer;
  let browser: Browser;
  let http: ReturnType<typeof client>;

  beforeAll(async () => {
    srv = await startServer({ simpleTwoFactorEnabled: true, oauth2Clients: { printer: CLIENT } });
    http = client(srv.url);
    await srv.core.accounts.create({ username: 'ann', password: 'ann-pass-1', email: 'ann@example.com' });
    await srv.core.accounts.create({ username: 'bob', password: 'bob-pass-1', email: 'bob@example.com' });
    await srv.core.accounts.create({ username: 'cat', password: 'cat-pass-1', email: 'cat@example.com' });
    await srv.core.accounts.create({ username: 'dan', password: 'dan-pass-1', email: 'dan@example.com' });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  /**
   * Signs the page's browser in through simple-auth's API as the sign-in page does (the CSRF
   * cookie and header), with the browser context's own request client: its cookies and user
   * agent are the browser's.
   */
  async function signIn(page: Page, username: string, password: string): Promise<void> {
    const csrf = 'k'.repeat(32);
    await page.context().addCookies([{ name: '_csrf', value: csrf, url: srv.url }]);
    const r = await page.request.post(`${srv.url}/api/v1/auth/session`, { headers: { 'x-csrf-token': csrf }, data: { username, password } });
    expect(r.status()).toBe(200);
  }
  /** A sign-in straight through the API: its status and reason. */
  async function apiSignIn(username: string, password: string, totp?: string) {
    const csrf = 'x'.repeat(32);
    const r = await http('POST', '/api/v1/auth/session', { json: { username, password, ...(totp ? { totp } : {}) }, headers: { cookie: `_csrf=${csrf}`, 'x-csrf-token': csrf } });
    return { status: r.status, reason: r.body?.reason as string | undefined };
  }
  const heading = (page: Page) => page.textContent('main h1');
  /** A watched page whose steps fail within 15 s, naming the step, rather than at the test's timeout. */
  async function openPage(b: Browser, o?: Parameters<typeof open>[1]) {
    const w = await open(b, o);
    w.page.setDefaultTimeout(15_000);
    return w;
  }

  it('sends a visitor without a session to the sign-in page', async () => {
    const { context, page, problems } = await openPage(browser);
    await page.goto(`${srv.url}/account/security`);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/');
    await page.waitForSelector('input[name=password]');
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it('shows the profile, the activity 10 at a time, and the applications with "revoke all" per client', async () => {
    // More than a page of activity.
    const ann = await srv.core.accounts.byUsername('ann');
    for (let i = 1; i <= 12; i++) await srv.core.audit.record({ userId: ann!.id, module: 'test', level: 'info', message: `Event number ${i}` });
    const grant = await http('POST', '/api/v1/auth/oauth2/token', { form: { grant_type: 'password', client_id: 'printer', client_secret: 'client-secret', username: 'ann', password: 'ann-pass-1' } });
    expect(grant.status).toBe(200);
    const { context, page, problems } = await openPage(browser);
    await signIn(page, 'ann', 'ann-pass-1');
    await page.goto(`${srv.url}/account`);
    await page.waitForSelector('#profile-title');
    const profile = await page.textContent('main');
    expect(profile).toContain('ann@example.com');
    const account = await page.evaluate(async () => (await fetch('/api/v1/account')).json());
    expect(profile).toContain(account.id);
    expect(await page.getAttribute('nav.tabs a[href="/account"]', 'aria-current')).toBe('page');
    await expectAccessible(page, 'account profile');
    await screenshot(page, 'account-profile');

    await page.click('nav.tabs a[href="/account/activity"]');
    await page.waitForSelector('#audit-title');
    await page.waitForSelector('section[aria-labelledby="audit-title"] tbody tr');
    expect(await page.locator('section[aria-labelledby="audit-title"] tbody tr').count()).toBe(10);
    const first = await page.textContent('section[aria-labelledby="audit-title"] tbody');
    await expectAccessible(page, 'account activity');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(async () => page.textContent('section[aria-labelledby="audit-title"] tbody')).not.toBe(first);
    expect(await page.textContent('main')).toContain('Page 2');
    await page.getByRole('button', { name: 'Previous' }).click();
    await expect.poll(async () => page.textContent('section[aria-labelledby="audit-title"] tbody')).toBe(first);

    await page.click('nav.tabs a[href="/account/apps"]');
    await page.waitForSelector('text=Photo Printer');
    expect(await page.locator('section[aria-labelledby="apps-title"] tbody tr').count()).toBeGreaterThanOrEqual(1);
    await expectAccessible(page, 'account applications');
    await page.getByRole('button', { name: /Revoke all: Photo Printer/ }).click();
    await page.waitForSelector('text=No application has a token for your account.');
    const info = await http('POST', '/api/v1/auth/oauth2/token_info', { json: { token: grant.body.access_token } });
    expect(info.body.active).toBe(false);
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it('changes the password (the old one is then refused), sets up 2FA from the secret shown, then removes it', async () => {
    const { context, page, problems } = await openPage(browser);
    await signIn(page, 'bob', 'bob-pass-1');
    await page.goto(`${srv.url}/account/security`);
    await page.waitForSelector('#password-title');
    await expectAccessible(page, 'account security');
    await screenshot(page, 'account-security');

    // A wrong current password is shown under its field; mismatched new ones under theirs.
    await page.fill('#field-oldpassword', 'not-it');
    await page.fill('#field-newpassword', 'bob-pass-2');
    await page.fill('#field-newpassword2', 'bob-pass-3');
    await page.click('section[aria-labelledby="password-title"] button[type=submit]');
    expect(await page.textContent('#field-newpassword2-error')).toContain('differ');
    await page.fill('#field-newpassword2', 'bob-pass-2');
    await page.click('section[aria-labelledby="password-title"] button[type=submit]');
    await page.waitForSelector('#field-oldpassword-error');
    expect(await page.getAttribute('#field-oldpassword', 'aria-invalid')).toBe('true');
    await expectAccessible(page, 'password error');
    await page.fill('#field-oldpassword', 'bob-pass-1');
    await page.click('section[aria-labelledby="password-title"] button[type=submit]');
    await page.waitForSelector('text=Your password was changed.');
    expect(await apiSignIn('bob', 'bob-pass-1')).toMatchObject({ status: 401 });
    expect((await apiSignIn('bob', 'bob-pass-2')).status).toBe(200);
    // This browser stays signed in (it got a new cookie).
    expect(await page.evaluate(async () => (await fetch('/api/v1/account')).status)).toBe(200);

    // 2FA: the secret shown, a wrong code under the field, the right one turns it on.
    await page.getByRole('button', { name: 'Set up 2FA' }).click();
    await page.waitForSelector('#totp-secret');
    const secret = (await page.textContent('#totp-secret')) ?? '';
    expect(secret).toMatch(/^[A-Z2-7]+=*$/);
    // The QR code is an image of this origin: wait for it to load before looking at it.
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('section[aria-labelledby="totp-title"] img');
      return !!img && img.complete && img.naturalWidth > 0;
    });
    const qr = await page.$eval('section[aria-labelledby="totp-title"] img', (img) => ({ ok: (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0, alt: img.getAttribute('alt') }));
    expect(qr.ok).toBe(true);
    expect(qr.alt).toMatch(/QR/);
    await expectAccessible(page, '2FA set-up');
    const totp = new TOTP({ secret: Secret.fromBase32(secret.replace(/=+$/, '')) });
    const good = totp.generate();
    await page.fill('#field-code', good === '000000' ? '111111' : '000000');
    await page.click('section[aria-labelledby="totp-title"] button[type=submit]');
    await page.waitForSelector('#field-code-error');
    expect(await page.textContent('#field-code-error')).toContain('Wrong code');
    await page.fill('#field-code', totp.generate());
    await page.click('section[aria-labelledby="totp-title"] button[type=submit]');
    await page.waitForSelector('text=Two-factor authentication is on.');
    expect(await apiSignIn('bob', 'bob-pass-2')).toEqual({ status: 401, reason: 'totp-missing' });
    expect((await apiSignIn('bob', 'bob-pass-2', totp.generate())).status).toBe(200);
    await expectAccessible(page, '2FA on');

    await page.fill('#field-code', totp.generate());
    await page.getByRole('button', { name: 'Turn off 2FA' }).click();
    await page.waitForSelector('text=Two-factor authentication is off.');
    expect((await apiSignIn('bob', 'bob-pass-2')).status).toBe(200);
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it('offers to set a new password without the old one in a session from a one-time link', async () => {
    const { context, page, problems } = await openPage(browser);
    const dan = await srv.core.accounts.byUsername('dan');
    // The cookie GET /api/v1/auth/onetime sets (src "onetime"), as a mailed link's landing gives it.
    const s = srv.core.webSessions.issue(dan!.uuid, 'onetime');
    await context.addCookies([{ name: 'auth', value: s.token, url: srv.url }]);
    await page.goto(`${srv.url}/account/security`);
    await page.waitForSelector('text=You signed in with a one-time link');
    expect(await page.textContent('#password-title')).toBe('Set a new password');
    expect(await page.locator('#field-oldpassword').count()).toBe(0);
    await expectAccessible(page, 'set a new password');
    await page.fill('#field-newpassword', 'dan-pass-2');
    await page.fill('#field-newpassword2', 'dan-pass-2');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.waitForSelector('text=Your password was changed.');
    expect((await apiSignIn('dan', 'dan-pass-1')).status).toBe(401);
    expect((await apiSignIn('dan', 'dan-pass-2')).status).toBe(200);
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it('lists sessions from two browsers, signs out all others (refused at once), and makes a personal access token shown once', async () => {
    const one = await openPage(browser);
    const two = await openPage(browser);
    await signIn(one.page, 'cat', 'cat-pass-1');
    await signIn(two.page, 'cat', 'cat-pass-1');
    await two.page.goto(`${srv.url}/account`);
    await two.page.waitForSelector('#profile-title');

    const { page } = one;
    await page.goto(`${srv.url}/account/sessions`);
    await page.waitForSelector('section[aria-labelledby="sessions-title"] li');
    expect(await page.locator('section[aria-labelledby="sessions-title"] li').count()).toBe(2);
    expect(await page.locator('section[aria-labelledby="sessions-title"] li', { hasText: 'This session' }).count()).toBe(1);
    expect(await page.textContent('section[aria-labelledby="sessions-title"]')).toMatch(/Chrome.* on Linux/);
    await expectAccessible(page, 'account sessions');
    await page.getByRole('button', { name: 'Sign out all other sessions' }).click();
    await page.waitForSelector('text=Signed out of 1 other session(s).');
    // The list is read again after the message shows.
    await expect.poll(() => page.locator('section[aria-labelledby="sessions-title"] li').count()).toBe(1);
    // The other browser is refused at once: its next page goes to the sign-in page.
    expect(await two.page.evaluate(async () => (await fetch('/api/v1/account')).status)).toBe(401);
    await two.page.click('nav.tabs a[href="/account/security"]');
    await expect.poll(() => new URL(two.page.url()).pathname).toBe('/');

    // A personal access token: shown once, usable, not in the list, revoked.
    await page.fill('#field-title', 'backup script');
    await page.click('section[aria-labelledby="tokens-title"] button[type=submit]');
    await page.waitForSelector('#new-token');
    const token = await page.inputValue('#new-token');
    expect(token.split('.').length).toBe(3);
    expect((await http('GET', '/auth_sessions', { bearer: token })).status).toBe(200);
    await expectAccessible(page, 'token created');
    await page.reload();
    await page.waitForSelector('text=backup script');
    expect(await page.content()).not.toContain(token.split('.')[2]);
    await page.getByRole('button', { name: 'Revoke: backup script' }).click();
    await page.waitForSelector('text=You have no personal access token.');
    expect((await http('GET', '/auth_sessions', { bearer: token })).status).toBe(401);
    expect(one.problems).toEqual([]);
    expect(two.problems).toEqual([]);
    await one.context.close();
    await two.context.close();
  }, 90_000);

  it('fits a phone screen and speaks French', async () => {
    const { context, page, problems } = await openPage(browser, { locale: 'fr-FR', viewport: { width: 375, height: 740 } });
    await signIn(page, 'cat', 'cat-pass-1');
    for (const [path, title] of [
      ['/account', 'Votre compte'],
      ['/account/security', 'Mot de passe et double authentification'],
      ['/account/sessions', 'Sessions et jetons d’accès'],
      ['/account/apps', 'Applications'],
      ['/account/activity', 'Activité'],
    ] as const) {
      // The first tab by its address, the others through the tabs (as a user goes).
      if (path === '/account') await page.goto(`${srv.url}${path}`);
      else await page.click(`nav.tabs a[href="${path}"]`);
      await expect.poll(() => heading(page)).toBe(title);
      await page.waitForSelector('main section');
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await expectAccessible(page, `${path} on a phone`);
    }
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);
});
