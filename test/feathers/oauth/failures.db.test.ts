/**
 * What a Feathers social sign-in refuses (issue 12 items 5 and 6): return URLs off the
 * allowlist (no open redirect), unknown providers, a callback without this browser's state
 * cookie or with another flow's, a replayed callback, and every way an upstream can go wrong.
 * Each ends in the app with `#error=` (when the app is known) or in a Feathers 4xx, with nothing
 * written and nothing hanging.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decode, describeDb } from '../../support/server.js';
import { makeUser } from '../../support/fixtures/feathers.js';
import { closeAllUpstreams } from '../../support/upstreams/http.js';
import type { TokenTamper } from '../../support/upstreams/oidc.js';
import { APP, back, begin, counts, fragmentOf, oauthWorld, stateCookie, type OAuthWorld } from './support.js';

await describeDb('feathers oauth refusals', () => {
  let w: OAuthWorld;
  beforeAll(async () => {
    w = await oauthWorld();
    w.google.addUser({ sub: 'g-carol', email: 'carol@example.org', email_verified: true, name: 'Carol' });
    w.github.addUser({ id: '77', login: 'carol', email: 'carol-gh@example.org', emailVerified: true });
  });
  afterAll(async () => {
    await w?.close();
    await closeAllUpstreams();
  });

  const OPEN_REDIRECTS = [
    'https://evil.example',
    'https://evil.example/signed-in',
    '//evil.example',
    '//evil.example/@app.example',
    '/\\evil.example',
    '\\\\evil.example',
    'https://app.example.evil.com',
    'https://app.example.evil.com/x',
    'https://app.example@evil.example',
    'https://user:pw@app.example/',
    'https://app.example:pw@evil.example',
    'https://evil.example#https://app.example',
    'https://evil.example?https://app.example',
    'http://app.example',
    'https://app.example:8443',
    'javascript:alert(document.domain)//https://app.example',
    'data:text/html,<script>alert(1)</script>',
    'http://127.0.0.1:5173/application',
    'http://127.0.0.1:5173/',
    'http://127.0.0.1:5174/app/',
    `${APP}/#access_token=planted`,
    `${APP}/#/x?error=planted`,
  ];

  it('refuses every return URL off FEATHERS_OAUTH_APP_URLS with 400, before anything is started', async () => {
    const asked = w.google.seen.authorize.length;
    for (const bad of OPEN_REDIRECTS) {
      for (const key of ['app_url', 'redirect']) {
        const res = await w.req('GET', `/oauth/google?${key}=${encodeURIComponent(bad)}`);
        expect(res.status, `${key}=${bad}`).toBe(400);
        expect(res.body).toMatchObject({ name: 'BadRequest', code: 400, className: 'bad-request' });
        expect(res.headers.get('location')).toBeNull();
        expect(stateCookie(res)).toBeUndefined();
      }
    }
    // Nothing reached the provider.
    expect(w.google.seen.authorize.length).toBe(asked);
  });

  it('answers 404 in the Feathers envelope for a provider that is not configured', async () => {
    for (const p of ['nope', 'facebook', '%00', '-x', 'a'.repeat(80)]) {
      const res = await w.req('GET', `/oauth/${p}?app_url=${encodeURIComponent(APP)}`);
      expect(res.status, p).toBe(404);
      expect(res.body).toMatchObject({ name: 'NotFound', code: 404 });
      expect(stateCookie(res)).toBeUndefined();
    }
  });

  it('refuses a callback without the state cookie (4xx, no session) and leaves the state for its own browser', async () => {
    const before = await counts(w.srv);
    const { authorize, cookie } = await begin(w, 'google');
    const returned = await w.google.login(authorize, 'g-carol');
    const res = await back(w, returned);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ name: 'BadRequest', code: 400 });
    expect(await counts(w.srv)).toEqual(before);
    // The browser that started it still finishes it.
    expect(fragmentOf(await back(w, returned, cookie)).accessToken).toBeDefined();
  });

  it('refuses a callback carrying another flow\'s cookie (login CSRF), back to the app with #error', async () => {
    const mine = await begin(w, 'google');
    const theirs = await begin(w, 'google');
    const returned = await w.google.login(theirs.authorize, 'g-carol');
    const before = await counts(w.srv);
    const got = fragmentOf(await back(w, returned, mine.cookie));
    expect(got.accessToken).toBeUndefined();
    expect(got.error).toMatch(/state/i);
    expect(await counts(w.srv)).toEqual(before);
  });

  it('refuses a cookie of another provider\'s flow', async () => {
    const gh = await begin(w, 'github');
    const g = await begin(w, 'google');
    const returned = await w.google.login(g.authorize, 'g-carol');
    const before = await counts(w.srv);
    const res = await back(w, returned, gh.cookie);
    expect(res.status).toBe(400);
    expect(await counts(w.srv)).toEqual(before);
  });

  it('refuses a replayed callback: the state is single use', async () => {
    const { authorize, cookie } = await begin(w, 'google');
    const returned = await w.google.login(authorize, 'g-carol');
    expect(fragmentOf(await back(w, returned, cookie)).accessToken).toBeDefined();
    const before = await counts(w.srv);
    const again = fragmentOf(await back(w, returned, cookie));
    expect(again.accessToken).toBeUndefined();
    expect(again.error).toMatch(/state/i);
    expect(await counts(w.srv)).toEqual(before);
  });

  it('refuses a callback whose state was altered', async () => {
    const { authorize, cookie } = await begin(w, 'google');
    const returned = new URL(await w.google.login(authorize, 'g-carol'));
    returned.searchParams.set('state', `${returned.searchParams.get('state')}x`);
    const before = await counts(w.srv);
    const got = fragmentOf(await back(w, returned.href, cookie));
    expect(got.error).toBeDefined();
    expect(await counts(w.srv)).toEqual(before);
  });

  it('passes a refusal at the provider (error=access_denied) to the app as #error', async () => {
    const { authorize, cookie } = await begin(w, 'google');
    const state = new URL(authorize).searchParams.get('state') ?? '';
    const before = await counts(w.srv);
    const got = fragmentOf(await back(w, `http://gatehouse.test/oauth/google/callback?error=access_denied&state=${encodeURIComponent(state)}`, cookie));
    expect(got.error).toBeDefined();
    expect(await counts(w.srv)).toEqual(before);
  });

  it('refuses a blocked account (#error=Invalid login), starting no session', async () => {
    w.google.addUser({ sub: 'g-blocked', email: 'blocked@example.org', email_verified: true });
    const first = await begin(w, 'google');
    const ok = fragmentOf(await back(w, await w.google.login(first.authorize, 'g-blocked'), first.cookie));
    const id = Number((decode(ok.accessToken!) as { sub: string }).sub);
    await w.srv.store.db.updateTable('users').set({ status: 2 }).where('id', '=', id).execute();
    const before = await counts(w.srv);
    const again = await begin(w, 'google');
    const got = fragmentOf(await back(w, await w.google.login(again.authorize, 'g-blocked'), again.cookie));
    expect(got.accessToken).toBeUndefined();
    expect(got.error).toBe('Invalid login');
    expect(await counts(w.srv)).toEqual(before);
  });

  it('refuses an email of an existing account that the provider does not assert verified (no takeover), writing nothing', async () => {
    const local = await makeUser(w.srv, { fields: { email: 'dave@example.org' } });
    w.google.addUser({ sub: 'g-not-dave', email: 'dave@example.org', email_verified: false });
    const before = await counts(w.srv);
    const { authorize, cookie } = await begin(w, 'google');
    const got = fragmentOf(await back(w, await w.google.login(authorize, 'g-not-dave'), cookie));
    expect(got.accessToken).toBeUndefined();
    expect(got.error).toMatch(/exists/);
    expect(await counts(w.srv)).toEqual(before);
    expect((await local.app.service('user_oauth_providers').find({})).data).toEqual([]);
  });

  const OIDC_CASES: TokenTamper[] = ['bad-signature', 'wrong-audience', 'wrong-issuer', 'expired', 'wrong-nonce', 'no-id-token', 'garbage', 'error', 'slow', 'down'];
  for (const mode of OIDC_CASES) {
    it(`google answering "${mode}" at its token endpoint: #error in the app, nothing written`, async () => {
      const { authorize, cookie } = await begin(w, 'google');
      const returned = await w.google.login(authorize, 'g-carol');
      const before = await counts(w.srv);
      w.google.tamper(mode);
      try {
        const started = Date.now();
        const got = fragmentOf(await back(w, returned, cookie));
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(got.accessToken).toBeUndefined();
        expect(got.url.origin).toBe(APP);
        expect(got.error).toMatch(/provider/i);
      } finally {
        w.google.tamper('none');
      }
      expect(await counts(w.srv)).toEqual(before);
    });
  }

  for (const mode of ['garbage', 'error', 'slow', 'down'] as const) {
    it(`github answering "${mode}": #error in the app, nothing written`, async () => {
      const { authorize, cookie } = await begin(w, 'github');
      const returned = await w.github.login(authorize, '77');
      const before = await counts(w.srv);
      w.github.tamper(mode);
      try {
        const got = fragmentOf(await back(w, returned, cookie));
        expect(got.accessToken).toBeUndefined();
        expect(got.error).toMatch(/provider/i);
      } finally {
        w.github.tamper('none');
      }
      expect(await counts(w.srv)).toEqual(before);
    });
  }

  it('answers a garbage callback (no code, no state, odd cookie) with a 4xx, never a 5xx', async () => {
    const cases: [string, string | undefined][] = [
      ['/oauth/google/callback', undefined],
      ['/oauth/google/callback?code=x', 'feathers_oauth=not-base64-json'],
      ['/oauth/google/callback?state[]=1&code[a]=2', 'feathers_oauth=W10'],
      ['/oauth/nope/callback?code=x&state=y', undefined],
    ];
    for (const [path, cookie] of cases) {
      const res = await w.req('GET', path, { headers: cookie ? { cookie } : {} });
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
    }
    // A form_post is sent on by GET with only the callback's fields, and never as a URL too long to follow.
    const huge = await w.req('POST', '/oauth/google/callback', { form: { code: 'A'.repeat(20_000), state: 'x' } });
    expect(huge.status).toBe(400);
    expect(huge.body).toMatchObject({ name: 'BadRequest', code: 400 });
    const extra = await w.req('POST', '/oauth/google/callback', { form: { code: 'c', state: 's', other: 'x'.repeat(100) } });
    expect(extra.status).toBe(303);
    expect(new URL(extra.headers.get('location') ?? '').search).toBe('?code=c&state=s');
  });
});

await describeDb('feathers oauth with sign-up off', () => {
  let w: OAuthWorld;
  beforeAll(async () => {
    w = await oauthWorld({ config: { feathersSignupEnabled: false } });
    w.google.addUser({ sub: 'g-stranger', email: 'stranger@example.org', email_verified: true });
  });
  afterAll(async () => {
    await w?.close();
    await closeAllUpstreams();
  });

  it('refuses a person without an account (#error), creating nothing', async () => {
    const before = await counts(w.srv);
    const { authorize, cookie } = await begin(w, 'google');
    const got = fragmentOf(await back(w, await w.google.login(authorize, 'g-stranger'), cookie));
    expect(got.accessToken).toBeUndefined();
    expect(got.error).toMatch(/sign-up/i);
    expect(await counts(w.srv)).toEqual(before);
  });
});
