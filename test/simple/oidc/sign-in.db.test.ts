/**
 * simple-auth §7 end to end against a real OpenID provider: `GET /oidc/{id}` sets the original's
 * cookies and sends the browser to the provider (with PKCE and a nonce), the callback signs the
 * person in with a session of src `oidc` and goes on to the continue URL; `/account` lists the
 * link, `/local` has nothing for a password-less account, and sign-up off refuses strangers.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import { describeDb, decode } from '../../support/server.js';
import { closeAllUpstreams } from '../../support/upstreams/http.js';
import { browser, counts, person, PROVIDER, setCookie, signIn, start, startWithUpstream, atProvider, type Setup } from './flow.js';

let s: Setup;
beforeAll(async () => {
  s = await startWithUpstream({ simpleAllowedContinueUrls: ['https://app\\.example\\.com/.*'], simpleRouteOnLogin: '/#/home' });
});
afterAll(async () => {
  await s?.close();
  await closeAllUpstreams();
});

const FIVE_MINUTES = 5 * 60_000;
/** A cookie's attributes as the original sets them: HttpOnly, Path=/, five minutes, no Secure. */
function expectFlowCookie(line: string | undefined, value?: string) {
  expect(line).toBeDefined();
  const [pair = '', ...attrs] = (line as string).split('; ');
  if (value !== undefined) expect(pair.slice(pair.indexOf('=') + 1)).toBe(value);
  expect(attrs).toContain('HttpOnly');
  expect(attrs).toContain('Path=/');
  expect(attrs).not.toContain('Secure');
  const expires = Date.parse((attrs.find((a) => a.startsWith('Expires=')) ?? '').slice('Expires='.length));
  expect(Math.abs(expires - Date.now() - FIVE_MINUTES)).toBeLessThan(5_000);
}
const cleared = (line: string | undefined) => line !== undefined && Date.parse(/Expires=([^;]+)/.exec(line)?.[1] ?? '') <= Date.now();

await describeDb('simple: sign-in through an external OpenID provider', () => {
  it('signs a new person in: original cookies, PKCE and nonce upstream, session src oidc, 307 to the continue URL', async () => {
    s.up.addUser(person('alice', { name: 'Alice Liddell' }));
    const b = browser(s.srv.url);
    const cont = 'https://app.example.com/after?x=1';
    const started = await start(b, cont);
    const authorize = new URL(started.location);
    expect(authorize.origin + authorize.pathname).toBe(`${s.up.issuer}/auth`);
    const q = authorize.searchParams;
    expect(q.get('response_type')).toBe('code');
    expect(q.get('client_id')).toBe(PROVIDER.clientid);
    expect(q.get('redirect_uri')).toBe(`${s.srv.url}/oidc/${PROVIDER.id}/callback`);
    expect(q.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['openid', 'email', 'profile']));
    expect(q.get('nonce')).toBeTruthy();
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toBeTruthy();
    expectFlowCookie(setCookie(started, 'oidcState'), q.get('state') as string);
    expectFlowCookie(setCookie(started, 'continue'), cont);

    const before = await counts(s.srv);
    const back = await b.go(await atProvider(s, started.location, 'alice'));
    expect(back.status, JSON.stringify(back.body)).toBe(307);
    expect(back.location).toBe(cont);
    expect(cleared(setCookie(back, 'oidcState'))).toBe(true);
    expect(cleared(setCookie(back, 'continue'))).toBe(true);
    const session = setCookie(back, 'auth') as string;
    expect(session).toMatch(/; HttpOnly/);
    const claims = decode(session.slice('auth='.length, session.indexOf(';')));
    expect(claims).toMatchObject({ aud: 'simple-auth', iss: 'simple-auth', src: 'oidc' });
    expect(await counts(s.srv)).toEqual({ users: before.users + 1, identities: before.identities + 1 });

    const me = await b.api('GET', 'account');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: claims.sub, email: 'alice@idp.example.com', name: 'Alice Liddell' });
    expect(me.body.auth).toEqual({ oidc: [{ provider: PROVIDER.id, subject: 'alice', icon: PROVIDER.icon, name: PROVIDER.name }] });
    // No password: the account has no local login (the original's 404).
    const local = await b.api('GET', 'local');
    expect(local.status).toBe(404);
    expect(local.body).toMatchObject({ error: true, reason: 'local-login-not-found' });
    const audit = await b.api('GET', 'account/audit');
    expect(audit.body.records.map((r: { module: string }) => r.module)).toContain('login:oidc');
  });

  it('signs the same person into the same account the second time, in another browser', async () => {
    s.up.addUser(person('bob'));
    const first = await signIn(s, browser(s.srv.url), 'bob');
    expect(first.status).toBe(307);
    const uuid = decode((/auth=([^;]+)/.exec(setCookie(first, 'auth') ?? '') as RegExpExecArray)[1] as string).sub;
    const before = await counts(s.srv);
    const b = browser(s.srv.url);
    const second = await signIn(s, b, 'bob');
    expect(second.status).toBe(307);
    expect(await counts(s.srv)).toEqual(before);
    expect((await b.api('GET', 'account')).body.id).toBe(uuid);
  });

  it('keeps an allowed continue URL and replaces a disallowed one with routeonlogin, as the local login does', async () => {
    s.up.addUser(person('carol'));
    expect((await signIn(s, browser(s.srv.url), 'carol', 'https://app.example.com/x')).location).toBe('https://app.example.com/x');
    // The grant page is always allowed: a sign-in from it comes back to the grant.
    const grant = '/#/oauth2?client_id=c&redirect_uri=http%3A%2F%2Fa.example%2F&response_type=code';
    expect((await signIn(s, browser(s.srv.url), 'carol', grant)).location).toBe(grant);
    for (const bad of ['https://evil.example.com/', '//evil.example.com/', 'javascript:alert(1)', 'https://app.example.com.evil.example/x']) {
      const b = browser(s.srv.url);
      const started = await start(b, bad);
      // Nothing of the refused URL is kept; the destination is routeonlogin.
      expect(setCookie(started, 'continue')).toMatch(/^continue=\/#\/home;/);
      expect((await b.go(await atProvider(s, started.location, 'carol'))).location).toBe('/#/home');
    }
  });

  it('goes to / without a continue URL or routeonlogin, and sets no continue cookie', async () => {
    s.up.addUser(person('dave'));
    s.srv.config.simpleRouteOnLogin = '';
    try {
      const b = browser(s.srv.url);
      const started = await start(b);
      expect(setCookie(started, 'continue')).toBeUndefined();
      expect((await b.go(await atProvider(s, started.location, 'dave'))).location).toBe('/');
    } finally {
      s.srv.config.simpleRouteOnLogin = '/#/home';
    }
  });

  it('keeps a continue URL with cookie-breaking characters inside its cookie (no attribute injection)', async () => {
    s.up.addUser(person('ivan'));
    const b = browser(s.srv.url);
    const cont = 'https://app.example.com/x;Domain=evil.example.com; Max-Age=99999,"y"';
    const started = await start(b, cont);
    const line = setCookie(started, 'continue') as string;
    expect(line.split('; ')[0]).toBe('continue=https://app.example.com/x%3BDomain=evil.example.com%3B%20Max-Age=99999%2C%22y%22');
    expect(line.split('; ').slice(1).map((a) => a.split('=')[0])).toEqual(['Path', 'Expires', 'HttpOnly', 'SameSite']);
    expect((await b.go(await atProvider(s, started.location, 'ivan'))).location).toBe(cont);
  });

  it('marks the flow cookies Secure when the session cookie is', async () => {
    s.srv.config.simpleCookieSecure = true;
    try {
      const started = await start(browser(s.srv.url), 'https://app.example.com/s');
      for (const name of ['oidcState', 'continue']) expect(setCookie(started, name)).toMatch(/; Secure/);
    } finally {
      s.srv.config.simpleCookieSecure = false;
    }
  });

  it('takes the destination from the state, not from a continue cookie planted before the callback', async () => {
    s.up.addUser(person('erin'));
    const b = browser(s.srv.url);
    const started = await start(b, 'https://app.example.com/mine');
    // The same browser, its continue cookie overwritten (by a sibling domain, say).
    const planted = `oidcState=${b.cookie('oidcState')}; continue=https://evil.example.com/`;
    const back = await browser(s.srv.url).go(await atProvider(s, started.location, 'erin'), { headers: { cookie: planted } });
    expect(back.status).toBe(307);
    expect(back.location).toBe('https://app.example.com/mine');
  });

  it('refuses a stranger with 403 oidc-account-creation-disabled when sign-up is off, writing nothing, but lets known people in', async () => {
    s.up.addUser(person('frank'));
    s.up.addUser(person('grace'));
    expect((await signIn(s, browser(s.srv.url), 'grace')).status).toBe(307);
    s.srv.config.simpleCreateAccountEnabled = false;
    try {
      const before = await counts(s.srv);
      const refused = await signIn(s, browser(s.srv.url), 'frank');
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual({ error: true, message: 'oidc-account-creation-disabled', reason: 'oidc-account-creation-disabled' });
      expect(setCookie(refused, 'auth')).toBeUndefined();
      expect(await counts(s.srv)).toEqual(before);
      expect((await signIn(s, browser(s.srv.url), 'grace')).status).toBe(307);
    } finally {
      s.srv.config.simpleCreateAccountEnabled = true;
    }
  });

  it('offers each provider to the sign-in page (its "Continue with <name>" links), with the page\'s continue URL', async () => {
    const page = await browser(s.srv.url).go('/?continue=' + encodeURIComponent('https://app.example.com/p?q=1'));
    expect(page.status).toBe(200);
    // The page draws one link per provider from its boot data (the browser test clicks one: test/web/federated-sign-in.test.ts).
    const boot = JSON.parse(/<script type="application\/json" id="boot">([^<]*)<\/script>/.exec(page.body as string)?.[1] ?? '{}') as { login?: { continueUrl?: string; providers?: { id: string; name: string }[] } };
    expect(boot.login?.providers).toEqual([{ id: PROVIDER.id, name: 'Test IdP' }]);
    expect(boot.login?.continueUrl).toBe('https://app.example.com/p?q=1');
  });
});
