/**
 * The sign-in page at `/` (src/web/client/pages/auth/sign-in.tsx) in real Chromium: password sign-in with the TOTP prompt, and the OAuth2
 * grant page reached through `/oauth2?…`, which sends the browser back to the client with a code.
 * Sign-out really ends the session (vouch refuses the cookie afterwards), stale error messages
 * go away, and the page runs under its Content-Security-Policy without a violation.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../support/chromium.js';
import { TOTP, Secret } from 'otpauth';
import { startServer, client, type TestServer } from '../support/server.js';

const missing = chromiumMissing;
if (missing && process.env.CI) throw new Error(`CI requires Chromium: ${missing}`);
if (missing) console.warn(`[sign-in page] skipped: ${missing}`);

const SECRET = 'ORDRZHDCYXU435ETZCIQ====';

(missing ? describe.skip : describe)('sign-in page and OAuth2 grant page in Chromium', () => {
  let srv: TestServer;
  let browser: Browser;
  let uuid: string;

  beforeAll(async () => {
    srv = await startServer({
      vouchEnabled: true,
      apiExternal: true,
      apiSharedSecret: 'super-secret',
      simpleTwoFactorEnabled: true,
      oauth2Clients: { testid: { secret: 'client-secret', name: 'Test Client', author: 'sa', authorurl: 'http://sa.com', redirecturi: 'http://example.com/redirect', scopes: ['a', 'b'] } },
    });
    const user = await srv.core.accounts.create({ username: 'pageuser', password: 'page-pass', email: 'page@example.com' });
    uuid = user.uuid;
    await srv.core.accounts.create({ username: 'otheruser', password: 'other-pass', email: 'other@example.com' });
    const code = new TOTP({ secret: Secret.fromBase32(SECRET.replace(/=+$/, '')) }).generate();
    const on = await client(srv.url)('POST', '/api/v1/local/2fa', { json: { secret: SECRET, code }, headers: { authorization: 'SharedKey super-secret', 'x-account-uuid': uuid } });
    expect(on.status).toBe(200);
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  /** A page that records the CSP violations it meets (a blocked script would also break the flow). */
  async function openPage(): Promise<{ context: BrowserContext; page: Page; violations: string[] }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    return { context, page, violations };
  }
  const vouch = (cookie: string) => client(srv.url)('GET', '/api/v1/auth/vouch', { headers: { cookie: `auth=${cookie}` } });
  const sessionCookie = async (context: BrowserContext) => (await context.cookies()).find((c) => c.name === 'auth')?.value ?? '';

  it('signs in with password then the TOTP prompt, grants an OAuth2 code, and signs out for real', async () => {
    const { context, page, violations } = await openPage();
    await page.goto(`${srv.url}/`);
    await page.getByLabel('Username or email').fill('pageuser');
    await page.getByLabel('Password').fill('page-pass');
    await page.click('#sign-in button[type=submit]');
    // The account has TOTP: the page asks for it (reason totp-missing) instead of failing.
    await page.waitForSelector('#field-totp');
    await page.fill('#field-totp', '000000');
    await page.click('#sign-in button[type=submit]');
    await expect.poll(() => page.locator('#sign-in-error').textContent().catch(() => '')).toMatch(/2FA/);
    await page.fill('#field-totp', new TOTP({ secret: Secret.fromBase32(SECRET.replace(/=+$/, '')) }).generate());
    await page.click('#sign-in button[type=submit]');
    // Signed in with no continue URL: simple-auth's login-redirect goes to the account page.
    await page.waitForURL(`${srv.url}/account`);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'auth');
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Lax');

    // The client sends the browser to /oauth2; the grant page asks, then redirects with the code.
    let landed = '';
    await page.route('http://example.com/**', async (route) => {
      landed = route.request().url();
      await route.fulfill({ status: 200, body: 'client' });
    });
    await page.goto(`${srv.url}/oauth2?client_id=testid&redirect_uri=${encodeURIComponent('http://example.com/redirect')}&response_type=code&scope=a&state=st8`);
    await page.waitForSelector('#grant');
    expect(await page.textContent('#grant-text')).toContain('Test Client');
    await page.getByRole('button', { name: 'Grant' }).click();
    await expect.poll(() => landed, { timeout: 10_000 }).toMatch(/^http:\/\/example\.com\/redirect\?code=\d{6}&state=st8$/);
    const code = new URL(landed).searchParams.get('code') as string;
    const token = await client(srv.url)('POST', '/api/v1/auth/oauth2/token', {
      form: { grant_type: 'authorization_code', client_id: 'testid', client_secret: 'client-secret', code, redirect_uri: 'http://example.com/redirect' },
    });
    expect(token.status).toBe(200);
    const info = await client(srv.url)('POST', '/api/v1/auth/oauth2/token_info', { json: { token: token.body.access_token } });
    expect(info.body).toMatchObject({ active: true, sub: uuid, client_id: 'testid', scope: 'a' });

    // Back on the sign-in page, the session is recognised: no form, straight on to the account page.
    await page.goto(`${srv.url}/`);
    await page.waitForURL(`${srv.url}/account`);

    // Sign-out from the grant page ("Use another account") ends the session: the cookie it had is
    // refused afterwards, even when sent by a client that ignores the cookie's removal.
    await page.goto(`${srv.url}/oauth2?client_id=testid&redirect_uri=${encodeURIComponent('http://example.com/redirect')}&response_type=code&scope=b&state=st10`);
    await page.waitForSelector('#grant');
    const cookie = await sessionCookie(context);
    expect((await vouch(cookie)).status).toBe(200);
    const signedOut = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/session') && r.request().method() === 'DELETE');
    await page.getByRole('button', { name: 'Use another account' }).click();
    expect((await signedOut).status()).toBe(200);
    await page.waitForSelector('#sign-in');
    expect(await page.locator('#sign-in-error').count()).toBe(0);
    expect((await vouch(cookie)).status).toBe(401);
    expect(await sessionCookie(context)).toBe('');
    expect(violations).toEqual([]);
    await context.close();
  });

  it('"Use another account" after a refused grant clears the message and ends the session', async () => {
    const { context, page, violations } = await openPage();
    await page.goto(`${srv.url}/`);
    await page.getByLabel('Username or email').fill('otheruser');
    await page.getByLabel('Password').fill('other-pass');
    await page.click('#sign-in button[type=submit]');
    await page.waitForURL(`${srv.url}/account`);
    const cookie = await sessionCookie(context);
    // Scope `c` is not the client's: the automatic grant fails, then the Grant button is refused.
    await page.goto(`${srv.url}/oauth2?client_id=testid&redirect_uri=${encodeURIComponent('http://example.com/redirect')}&response_type=code&scope=c&state=st9`);
    await page.waitForSelector('#grant');
    await page.getByRole('button', { name: 'Grant' }).click();
    await expect.poll(() => page.locator('#grant [role=alert]').textContent().catch(() => '')).not.toBe('');
    await page.getByRole('button', { name: 'Use another account' }).click();
    await page.waitForSelector('#sign-in');
    expect(await page.locator('[role=alert]').count()).toBe(0);
    expect((await vouch(cookie)).status).toBe(401);
    expect(violations).toEqual([]);
    await context.close();
  });
});
