/**
 * The admin console (`/admin`) in real Chromium, on SQLite and PostgreSQL: an administrator signs
 * in, creates an account and an ARC client (its secret shown once, never listed again); that
 * account signs in through ARC with that client; the administrator revokes its session and its
 * next request is refused; a disabled account cannot sign in; a non-administrator gets a "no
 * access" page and 403 from every service the console uses; an OAuth2 client is edited and its
 * secret replaced (the old one refused at once); an allowed client is taken off an account (its
 * ARC sign-in through it refused); the audit log filters by account;
 * the configuration view shows no secret. Every screen is checked with axe, one pass on a phone.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../support/chromium.js';
import { expectAccessible, openPage, screenshot } from '../support/browser.js';
import { startServer, client, describeDb, type TestServer } from '../support/server.js';

const missing = chromiumMissing;
if (missing && process.env.CI) throw new Error(`CI requires Chromium: ${missing}`);
if (missing) console.warn(`[admin console] skipped: ${missing}`);

const JWT_SECRET = 'jwt-secret-that-must-never-show-9f3a';

await describeDb('admin console', () => {
  if (missing) return it.skip('needs Chromium', () => undefined);
  let srv: TestServer;
  let browser: Browser;
  let http: ReturnType<typeof client>;
  let admin: { page: Page; close: () => Promise<void>; problems: string[] };
  let clientSecret = '';
  let erinId = 0;

  beforeAll(async () => {
    srv = await startServer({ jwtSecret: JWT_SECRET, oauth2AllowCredentials: true });
    http = client(srv.url);
    await srv.core.accounts.create({ username: 'root', password: 'root-pass-1', email: 'root@example.com', roles: ['admin'] });
    await srv.core.accounts.create({ username: 'plain', password: 'plain-pass-1', email: 'plain@example.com' });
    browser = await launchChromium();
    const w = await openPage(browser);
    admin = { page: w.page, problems: w.problems, close: () => w.context.close() };
  }, 60_000);
  afterAll(async () => {
    await admin?.close();
    await browser?.close();
    await srv?.close();
  });

  const main = (page: Page) => page.textContent('main') as Promise<string>;

  async function signInForm(page: Page, login: string, password: string) {
    await page.goto(`${srv.url}/admin`);
    await page.waitForSelector('#field-login');
    await expectAccessible(page, 'admin sign-in');
    await page.fill('#field-login', login);
    await page.fill('#field-password', password);
    await page.click('main button[type=submit]');
  }

  it('signs an administrator in, lists and creates an account', async () => {
    const { page } = admin;
    page.on('dialog', (d) => void d.accept());
    await signInForm(page, 'root', 'root-pass-1');
    await page.waitForURL((u) => u.pathname === '/admin/users');
    await page.waitForSelector('table >> text=plain');
    await expectAccessible(page, 'admin users');
    await page.fill('#field-new-username', 'erin');
    await page.fill('#field-new-email', 'erin@example.com');
    await page.fill('#field-new-password', 'erin-pass-1');
    await page.click('text=Create account');
    await page.waitForSelector('text=Account erin created.');
    await page.waitForSelector('table >> text=erin');
    // Search narrows the list.
    await page.fill('#field-q', 'erin@');
    await page.click('form[role=search] button');
    await page.waitForFunction(() => !document.querySelector('main table')?.textContent?.includes('plain'));
    expect(await page.textContent('main table')).toContain('erin');
    await screenshot(page, 'admin-users');
    erinId = (await srv.core.accounts.byUsername('erin'))!.id;
    // A reload keeps the console signed in (sessionStorage of this tab).
    await page.reload();
    await page.waitForSelector('table >> text=erin');
  }, 60_000);

  it('creates an ARC client whose secret is shown once; the new account signs in with it', async () => {
    const { page } = admin;
    await page.click('nav >> text=Clients');
    await page.waitForSelector('#field-arc-client-id');
    await expectAccessible(page, 'admin clients');
    await page.fill('#field-arc-client-id', 'console-app');
    await page.click('form[aria-labelledby=arc-form] button[type=submit]');
    const shown = await page.waitForSelector('code[data-secret=once]');
    clientSecret = (await shown.textContent()) ?? '';
    expect(clientSecret.length).toBeGreaterThanOrEqual(24);
    await expectAccessible(page, 'admin clients: secret shown');
    await screenshot(page, 'admin-clients');
    await page.click('text=I have copied it');
    await page.waitForSelector('code[data-secret=once]', { state: 'detached' });
    expect(await main(page)).not.toContain(clientSecret);
    await page.reload();
    await page.waitForSelector('table >> text=console-app');
    expect(await main(page)).not.toContain(clientSecret);

    // The account may use the client once the console allows it.
    await page.goto(`${srv.url}/admin/users/${erinId}`);
    await page.waitForSelector('#allow-client');
    await expectAccessible(page, 'admin user detail');
    await page.selectOption('#allow-client', { label: 'console-app' });
    await page.click('form:has(#allow-client) button[type=submit]');
    await page.waitForSelector('[data-testid=user-clients] >> text=console-app');
  }, 60_000);

  it('revokes the account’s session from the console: its next request is refused', async () => {
    const login = await http('POST', '/auth/login-token', { json: { client_id: 'console-app', client_secret: clientSecret, username: 'erin', password: 'erin-pass-1' } });
    expect(login.status, login.text).toBe(200);
    const token = login.body.accessToken as string;
    expect((await http('GET', '/auth/me', { bearer: token })).status).toBe(200);

    const { page } = admin;
    await page.goto(`${srv.url}/admin/sessions?user=${erinId}`);
    await page.waitForSelector('button[aria-label^="Revoke session"]');
    await expectAccessible(page, 'admin sessions');
    await page.click('button[aria-label^="Revoke session"]');
    await page.waitForSelector('button[aria-label^="Revoke session"]', { state: 'detached' });
    const me = await http('GET', '/auth/me', { bearer: token });
    expect(me.status).toBe(401);
    const refreshed = await http('POST', '/auth/token-refresh', { json: { refreshToken: login.body.refreshToken }, bearer: token });
    expect(refreshed.status).toBeGreaterThanOrEqual(400);
  }, 60_000);

  it('disables an account: its sign-in is refused; enabling lets it in again', async () => {
    const { page } = admin;
    await page.goto(`${srv.url}/admin/users/${erinId}`);
    await page.click('text=Disable account');
    await page.waitForSelector('[data-status=disabled]');
    await expectAccessible(page, 'admin user disabled');
    const feathers = await http('POST', '/authentication', { json: { strategy: 'local', username: 'erin', password: 'erin-pass-1' } });
    expect(feathers.status).toBe(401);
    const arc = await http('POST', '/auth/login-token', { json: { client_id: 'console-app', client_secret: clientSecret, username: 'erin', password: 'erin-pass-1' } });
    expect(arc.status).toBeGreaterThanOrEqual(400);
    await page.click('text=Enable account');
    await page.waitForSelector('[data-status=enabled]');
    // Disabling cut off every token issued before the next whole second (core): a sign-in in that second is refused.
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));
    expect((await http('POST', '/authentication', { json: { strategy: 'local', username: 'erin', password: 'erin-pass-1' } })).status).toBe(201);
  }, 60_000);

  it('edits an OAuth2 client and gives it a new secret; removes an allowed client from an account', async () => {
    const { page } = admin;
    await srv.core.oauth2.createClient({ clientId: 'console-o2', secret: 'console-o2-secret-1234', name: 'Console O2', redirectUris: ['https://o2.example/cb'], scopes: ['a'] });
    const grant = (secret: string) =>
      http('POST', '/api/v1/auth/oauth2/token', { form: { grant_type: 'password', client_id: 'console-o2', client_secret: secret, username: 'erin', password: 'erin-pass-1', scope: 'a' } });
    expect((await grant('console-o2-secret-1234')).status).toBe(200);

    await page.goto(`${srv.url}/admin/clients`);
    await page.click('button[aria-label="Edit console-o2"]');
    await page.waitForSelector('h3#oauth2-form:has-text("Edit console-o2")');
    expect(await page.inputValue('#field-o2-name')).toBe('Console O2');
    await page.fill('#field-o2-name', 'Console O2 renamed');
    await page.fill('#field-o2-redirect', 'https://o2.example/cb https://o2.example/cb2');
    await page.fill('#field-o2-author', 'Ops team');
    await expectAccessible(page, 'admin clients: OAuth2 edit form');
    await page.click('form[aria-labelledby=oauth2-form] button[type=submit]');
    await page.waitForSelector('text=Client console-o2 saved.');
    await page.waitForSelector('tr[data-client=console-o2] >> text=Console O2 renamed');
    expect(await srv.core.oauth2.clientInfo('console-o2')).toMatchObject({ name: 'Console O2 renamed', author: 'Ops team', redirectUris: ['https://o2.example/cb', 'https://o2.example/cb2'], scopes: ['a'] });

    // New secret: shown once; the old one is refused from the next request on.
    await page.click('button[aria-label="New secret for console-o2"]');
    const shown = await page.waitForSelector('code[data-secret=once]');
    const fresh = (await shown.textContent()) ?? '';
    expect(fresh.length).toBeGreaterThanOrEqual(24);
    await expectAccessible(page, 'admin clients: OAuth2 secret shown');
    await page.click('text=I have copied it');
    await page.waitForSelector('code[data-secret=once]', { state: 'detached' });
    expect(await main(page)).not.toContain(fresh);
    expect((await grant('console-o2-secret-1234')).status).toBe(400);
    expect((await grant(fresh)).status).toBe(200);

    // Taking console-app off erin's allowed clients: its ARC sign-in through it is refused.
    const login = () => http('POST', '/auth/login-token', { json: { client_id: 'console-app', client_secret: clientSecret, username: 'erin', password: 'erin-pass-1' } });
    expect((await login()).status).toBe(200);
    await page.goto(`${srv.url}/admin/users/${erinId}`);
    await page.waitForSelector('[data-testid=user-clients] >> text=console-app');
    await page.click('button[aria-label="Remove console-app from the allowed clients"]');
    await page.waitForSelector('[data-testid=user-clients] >> text=None');
    await expectAccessible(page, 'admin user detail: client removed');
    const refused = await login();
    expect(refused.status).toBe(401);
    expect(refused.text).toContain('Client Invalid');
  }, 60_000);

  it('filters the audit log by account', async () => {
    const { page } = admin;
    await page.goto(`${srv.url}/admin/audit`);
    await page.waitForSelector('#field-audit-user');
    await expectAccessible(page, 'admin audit');
    await page.fill('#field-audit-user', String(erinId));
    await page.click('main form button[type=submit]');
    await page.waitForFunction((id) => {
      const rows = [...document.querySelectorAll('main tbody tr[data-user]')];
      return rows.length > 0 && rows.every((r) => r.getAttribute('data-user') === String(id));
    }, erinId);
    expect(await main(page)).toContain('Status changed');
    await screenshot(page, 'admin-audit');
    // And by module: only the account's `account` entries remain.
    await page.fill('#field-audit-module', 'account');
    await page.click('main form button[type=submit]');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('main tbody tr[data-module]')];
      return rows.length > 0 && rows.every((r) => r.getAttribute('data-module') === 'account');
    });
    await expectAccessible(page, 'admin audit filtered');
  }, 60_000);

  it('shows roles, groups and the configuration with every secret masked', async () => {
    const { page } = admin;
    await page.click('nav >> text=Roles and groups');
    await page.waitForSelector('table >> text=admin');
    await expectAccessible(page, 'admin roles');
    await page.click('nav >> text=Configuration');
    await page.waitForSelector('text=jwtSecret');
    await expectAccessible(page, 'admin config');
    const text = await main(page);
    expect(text).not.toContain(JWT_SECRET);
    expect(text).not.toContain(srv.config.secretKey);
    expect(text).toContain('********');
    expect(admin.problems).toEqual([]);
  }, 60_000);

  it('gives a non-administrator no console, and the services refuse its token (403)', async () => {
    const { context, page, problems } = await openPage(browser, { viewport: { width: 390, height: 844 } });
    await signInForm(page, 'plain@example.com', 'plain-pass-1');
    await page.waitForSelector('text=No access');
    await expectAccessible(page, 'admin no access (phone)');
    expect(await main(page)).not.toContain('root@example.com');
    const token = await page.evaluate(() => sessionStorage.getItem('gatehouse.admin.token'));
    expect(token).toBeTruthy();
    for (const path of ['/admin_users', '/admin_users/1', '/admin_arc_clients', '/admin_oauth2_clients', '/admin_config', '/events', '/roles', '/access_scopes', '/role_access_scopes', '/user_group_roles', '/access_groups']) {
      const r = await http('GET', path, { bearer: token! });
      // Readers of their own records (user_group_roles, events) see only theirs; everything else is 403.
      if (path === '/events' || path === '/user_group_roles') {
        expect(r.status, path).toBe(200);
        expect(r.body.data.every((e: { user_id: number }) => e.user_id !== 1), path).toBe(true);
      } else expect(r.status, path).toBe(403);
    }
    for (const [method, path, json] of [
      ['POST', '/admin_users', { username: 'x', password: 'x-pass-12' }],
      ['PATCH', '/admin_users/1', { disabled: true }],
      ['POST', '/admin_arc_clients', { clientId: 'evil' }],
      ['PATCH', '/auth_sessions/1', { revoked: true }],
    ] as const) {
      const r = await http(method, path, { bearer: token!, json });
      expect(r.status, `${method} ${path}`).toBe(403);
    }
    const signal = await http('POST', '/admin_users', { bearer: token!, json: { id: 1 }, headers: { 'x-service-method': 'signOut' } });
    expect(signal.status).toBe(403);
    // The console's sign-out ends the session and forgets the token.
    await page.click('text=Sign out');
    await page.waitForSelector('#field-login');
    expect(await page.evaluate(() => sessionStorage.getItem('gatehouse.admin.token'))).toBeNull();
    expect((await http('GET', '/users/2', { bearer: token! })).status).toBe(401);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it('phone pass: the console works on a narrow screen', async () => {
    const { context, page, problems } = await openPage(browser, { viewport: { width: 390, height: 844 } });
    await signInForm(page, 'root', 'root-pass-1');
    await page.waitForSelector('table >> text=erin');
    await expectAccessible(page, 'admin users (phone)');
    await page.click('nav >> text=Sessions');
    await page.waitForSelector('main table');
    await expectAccessible(page, 'admin sessions (phone)');
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});
