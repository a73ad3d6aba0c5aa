/**
 * Federated sign-in in real Chromium: the sign-in page's "Continue with <name>" link, the
 * provider's own login and consent pages (oidc-provider on loopback), and back to the page's
 * continue URL signed in (the browser's session cookie works on GET /api/v1/account).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../support/chromium.js';
import { client, decode } from '../support/server.js';
import { closeAllUpstreams } from '../support/upstreams/http.js';
import { person, PROVIDER, startWithUpstream, type Setup } from '../simple/oidc/flow.js';

const missing = chromiumMissing;
if (missing && process.env.CI) throw new Error(`CI requires Chromium: ${missing}`);
if (missing) console.warn(`[federated sign-in] skipped: ${missing}`);

const APP = 'http://app.example.test';

(missing ? describe.skip : describe)('federated sign-in in Chromium', () => {
  let s: Setup;
  let browser: Browser;

  beforeAll(async () => {
    s = await startWithUpstream({
      simpleAllowedContinueUrls: ['http://app\\.example\\.test/.*'],
      oauth2Clients: { testid: { secret: 'client-secret', name: 'Test Client', author: 'sa', authorurl: 'http://sa.com', redirecturi: `${APP}/redirect`, scopes: ['a'] } },
    });
    s.up.addUser(person('chromium-user', { name: 'Chromium User' }));
    s.up.addUser(person('grant-user'));
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await s?.close();
    await closeAllUpstreams();
  });

  /** The provider's login and consent pages, as a person fills them. */
  async function atProvider(page: Page, login: string) {
    await page.waitForSelector('input[name=login]');
    await page.fill('input[name=login]', login);
    await page.fill('input[name=password]', 'any-password');
    await page.click('button[type=submit]');
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  it('clicks "Continue with <name>", signs in and consents at the provider, and lands on the continue URL signed in', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    // The provider's pages import a web font; nothing leaves the machine.
    await context.route(/^https:\/\/fonts\./, (route) => route.abort());
    let landed = '';
    await context.route(`${APP}/**`, async (route) => {
      landed = route.request().url();
      await route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>App</title><p>app</p>' });
    });

    await page.goto(`${s.srv.url}/?continue=${encodeURIComponent(`${APP}/landing?from=sign-in`)}`);
    const button = page.getByRole('link', { name: `Continue with ${PROVIDER.name}` });
    await button.waitFor();
    expect(await page.getByRole('navigation', { name: 'Other ways to sign in' }).isVisible()).toBe(true);
    await button.click();

    // The provider's own login page, then its consent page.
    await page.waitForURL((u) => u.href.startsWith(s.up.issuer));
    await atProvider(page, 'chromium-user');

    await expect.poll(() => landed, { timeout: 15_000 }).toBe(`${APP}/landing?from=sign-in`);
    // The request is seen before its navigation ends: let it end, or the next goto is cut short by it.
    await page.waitForURL(`${APP}/landing?from=sign-in`);
    const session = (await context.cookies(s.srv.url)).find((c) => c.name === 'auth');
    expect(session?.httpOnly).toBe(true);
    expect(decode(session?.value as string)).toMatchObject({ src: 'oidc' });
    // The flow's cookies are gone once it is over.
    expect((await context.cookies(s.srv.url)).map((c) => c.name)).not.toContain('oidcState');
    const me = await client(s.srv.url)('GET', '/api/v1/account', { headers: { cookie: `auth=${session?.value}` } });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ name: 'Chromium User', email: 'chromium-user@idp.example.com' });
    expect(me.body.auth.oidc).toEqual([{ provider: PROVIDER.id, subject: 'chromium-user', icon: PROVIDER.icon, name: PROVIDER.name }]);

    // Back on the sign-in page, the session is recognised: no sign-in form, no provider links;
    // the page goes on to the account page (simple-auth's login-redirect without a continue URL).
    await page.goto(`${s.srv.url}/`);
    await page.waitForURL(`${s.srv.url}/account`);
    expect(await page.locator('#sign-in').count()).toBe(0);
    expect(await page.locator('#providers').count()).toBe(0);
    expect(violations).toEqual([]);
    await context.close();
  });

  it('comes back to the OAuth2 grant page after signing in through the provider from it, and the grant goes through', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await context.route(/^https:\/\/fonts\./, (route) => route.abort());
    let landed = '';
    await context.route(`${APP}/**`, async (route) => {
      landed = route.request().url();
      await route.fulfill({ status: 200, body: 'client' });
    });
    await page.goto(`${s.srv.url}/oauth2?client_id=testid&redirect_uri=${encodeURIComponent(`${APP}/redirect`)}&response_type=code&scope=a&state=st8`);
    const button = page.getByRole('link', { name: `Continue with ${PROVIDER.name}` });
    await button.waitFor();
    // The link carries the grant page as its continue URL (always allowed).
    await expect.poll(async () => new URL((await button.getAttribute('href')) as string, s.srv.url).searchParams.get('continue')).toMatch(/^\/#\/oauth2\?client_id=testid&/);
    await button.click();
    await atProvider(page, 'grant-user');
    await page.waitForSelector('#grant');
    expect(await page.textContent('#grant-text')).toContain('Test Client');
    await page.getByRole('button', { name: 'Grant' }).click();
    await expect.poll(() => landed, { timeout: 15_000 }).toMatch(new RegExp(`^${APP.replace(/\./g, '\\.')}/redirect\\?code=\\d+&state=st8$`));
    await context.close();
  });
});
