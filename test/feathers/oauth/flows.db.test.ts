/**
 * Feathers social sign-in end to end (issue 12 item 5): `GET /oauth/:provider?app_url=…`, the
 * provider's own login and consent (a real OpenID provider as `google`, a GitHub-like OAuth2
 * server as `github`), the callback, and the official Feathers client taking the access token
 * from the app's URL fragment and reading the user with it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as authPkg from '@feathersjs/authentication-client';
import { describeDb } from '../../support/server.js';
import { restClient } from '../../support/feathers-client.js';
import { closeAllUpstreams } from '../../support/upstreams/http.js';
import { makeUser } from '../../support/fixtures/feathers.js';
import { APP, APP_PREFIX, back, begin, callbackOf, counts, fragmentOf, oauthWorld, type OAuthWorld } from './support.js';

/** The authentication client's own reading of `window.location` (what a browser app runs on load). */
function clientReads(location: { hash: string }): Promise<string | null> {
  const app = restClient('http://unused.invalid') as unknown as { authentication: authPkg.AuthenticationClient };
  return app.authentication.getFromLocation(location as Location);
}

await describeDb('feathers oauth sign-in', () => {
  let w: OAuthWorld;
  beforeAll(async () => {
    w = await oauthWorld();
    w.google.addUser({ sub: 'g-alice', email: 'alice@example.org', email_verified: true, name: 'Alice Liddell', given_name: 'Alice', family_name: 'Liddell' });
    w.github.addUser({ id: '4242', login: 'octo', name: 'Octo Cat', email: 'octo@example.org', emailVerified: true });
  });
  afterAll(async () => {
    await w?.close();
    await closeAllUpstreams();
  });

  it('google (OpenID): provider login, back to app_url with #access_token, which the Feathers client signs in with', async () => {
    const { authorize, cookie } = await begin(w, 'google');
    const a = new URL(authorize);
    expect(a.searchParams.get('redirect_uri')).toBe(callbackOf('google'));
    expect(a.searchParams.get('client_id')).toBe('gh-google');
    const res = await back(w, await w.google.login(authorize, 'g-alice'), cookie);
    const got = fragmentOf(res);
    expect(got.url.origin + got.url.pathname).toBe(`${APP}/signed-in`);
    expect(got.accessToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    // The state cookie is spent with the callback.
    expect(res.headers.getSetCookie().some((c) => /^feathers_oauth=;.*Max-Age=0/.test(c))).toBe(true);

    expect(await clientReads({ hash: got.url.hash })).toBe(got.accessToken);
    const app = restClient(w.srv.url);
    const auth = await app.authenticate({ strategy: 'jwt', accessToken: got.accessToken! });
    expect(auth.user).toMatchObject({ email: 'alice@example.org', first_name: 'Alice', last_name: 'Liddell' });
    const me = await app.service('users').get(auth.user.id);
    expect(me.email).toBe('alice@example.org');
    const links = await app.service('user_oauth_providers').find({});
    expect(links.data).toEqual([expect.objectContaining({ user_id: auth.user.id, slug: 'google', sub: 'g-alice' })]);

    // A Feathers session like a local sign-in's: an auth_sessions row with the address and user agent.
    const sessions = await app.service('auth_sessions').find({});
    expect(sessions.data).toEqual(expect.arrayContaining([expect.objectContaining({ user_id: auth.user.id, auth_provider: 'google' })]));
  });

  it('github (OAuth2 + profile API): the same, and a second sign-in finds the same account', async () => {
    const first = await begin(w, 'github', { app_url: `${APP_PREFIX}home` });
    const r1 = fragmentOf(await back(w, await w.github.login(first.authorize, '4242'), first.cookie));
    expect(r1.url.href.startsWith(`${APP_PREFIX}home#access_token=`)).toBe(true);
    const app = restClient(w.srv.url);
    const auth = await app.authenticate({ strategy: 'jwt', accessToken: r1.accessToken! });
    expect(auth.user.email).toBe('octo@example.org');
    const before = await counts(w.srv);

    const second = await begin(w, 'github', { app_url: `${APP_PREFIX}home` });
    const r2 = fragmentOf(await back(w, await w.github.login(second.authorize, '4242'), second.cookie));
    const again = await restClient(w.srv.url).authenticate({ strategy: 'jwt', accessToken: r2.accessToken! });
    expect(again.user.id).toBe(auth.user.id);
    const after = await counts(w.srv);
    expect(after.users).toBe(before.users);
    expect(after.identities).toBe(before.identities);
  });

  it('accepts Feathers\' standard `redirect` parameter, read against the first allowed origin', async () => {
    const { authorize, cookie } = await begin(w, 'google', { redirect: '/dashboard' });
    const got = fragmentOf(await back(w, await w.google.login(authorize, 'g-alice'), cookie));
    expect(got.url.origin + got.url.pathname).toBe(`${APP}/dashboard`);
    expect(got.accessToken).toBeDefined();
  });

  it('keeps a hash router\'s fragment: #/route?access_token=…, which the client still reads', async () => {
    const { authorize, cookie } = await begin(w, 'google', { app_url: `${APP}/#/after-login` });
    const got = fragmentOf(await back(w, await w.google.login(authorize, 'g-alice'), cookie));
    expect(got.url.hash.startsWith('#/after-login?access_token=')).toBe(true);
    expect(await clientReads({ hash: got.url.hash })).toBe(got.accessToken);
  });

  it('links a provider to the existing account with the same, provider-verified email', async () => {
    const local = await makeUser(w.srv, { fields: { email: 'bob@example.org' } });
    w.google.addUser({ sub: 'g-bob', email: 'bob@example.org', email_verified: true, name: 'Bob' });
    const { authorize, cookie } = await begin(w, 'google');
    const got = fragmentOf(await back(w, await w.google.login(authorize, 'g-bob'), cookie));
    const auth = await restClient(w.srv.url).authenticate({ strategy: 'jwt', accessToken: got.accessToken! });
    expect(auth.user.id).toBe(local.id);
    const links = await local.app.service('user_oauth_providers').find({});
    expect(links.data).toEqual([expect.objectContaining({ slug: 'google', sub: 'g-bob' })]);
  });

  it('takes the callback as a form POST (Apple\'s form_post): at once with the cookie, else by a 303 to the GET callback', async () => {
    for (const withCookie of [true, false]) {
      const { authorize, cookie } = await begin(w, 'google');
      const returned = new URL(await w.google.login(authorize, 'g-alice'));
      const fields = Object.fromEntries(returned.searchParams);
      const posted = await w.req('POST', returned.pathname, { form: fields, headers: withCookie ? { cookie } : {} });
      if (withCookie) {
        expect(fragmentOf(posted).accessToken).toBeDefined();
        continue;
      }
      // A cross-site POST carries no SameSite=Lax cookie: nothing is spent, the browser comes back by GET.
      expect(posted.status).toBe(303);
      const again = new URL(posted.headers.get('location') ?? '');
      expect(again.origin + again.pathname).toBe(callbackOf('google'));
      expect(Object.fromEntries(again.searchParams)).toEqual(fields);
      expect(fragmentOf(await back(w, again.href, cookie)).accessToken).toBeDefined();
    }
  });

  it('sets the state cookie HttpOnly, SameSite=Lax, on /oauth only, short-lived', async () => {
    const res = await w.req('GET', `/oauth/google?app_url=${encodeURIComponent(APP)}`);
    const set = res.headers.getSetCookie().find((c) => c.startsWith('feathers_oauth='));
    expect(set).toMatch(/; HttpOnly/);
    expect(set).toMatch(/; SameSite=Lax/);
    expect(set).toMatch(/; Path=\/oauth(;|$)/);
    const maxAge = Number(/Max-Age=(\d+)/.exec(set ?? '')?.[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(w.srv.config.federationStateSeconds);
  });
});

await describeDb('feathers oauth behind https, default allowlist', () => {
  let w: OAuthWorld;
  beforeAll(async () => {
    // No FEATHERS_OAUTH_APP_URLS: only the origin of PUBLIC_URL is allowed.
    w = await oauthWorld({ config: { publicUrl: 'https://gatehouse.test', feathersOAuthAppUrls: undefined } });
  });
  afterAll(async () => {
    await w?.close();
    await closeAllUpstreams();
  });

  it('allows only the public origin by default, and marks the state cookie Secure', async () => {
    const ok = await w.req('GET', `/oauth/google?app_url=${encodeURIComponent('https://gatehouse.test/app/')}`);
    expect(ok.status).toBe(302);
    expect(new URL(ok.headers.get('location') ?? '').searchParams.get('redirect_uri')).toBe('https://gatehouse.test/oauth/google/callback');
    expect(ok.headers.getSetCookie().find((c) => c.startsWith('feathers_oauth='))).toMatch(/; Secure/);
    expect((await w.req('GET', '/oauth/google')).status).toBe(302);
    for (const bad of [APP, 'http://gatehouse.test/app/', 'https://gatehouse.test.evil.example/']) {
      expect((await w.req('GET', `/oauth/google?app_url=${encodeURIComponent(bad)}`)).status, bad).toBe(400);
    }
  });
});
