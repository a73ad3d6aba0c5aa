import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb, startServer, type TestServer } from '../../support/server.js';
import { arcFixture } from '../../support/fixtures/arc.js';
import { closeAllUpstreams, startOidcUpstream, type OidcUpstream } from '../../support/upstreams/index.js';
import { PUBLIC_URL, socialClient } from './flow.js';

/**
 * ARC's Keycloak login and `POST /keycloak/logout` (reference §6) against a real OpenID provider
 * laid out as a Keycloak realm (`/auth/realms/test`), configured by KEYCLOAK_HOST and KEYCLOAK_REALM.
 */
await describeDb('arc social: Keycloak', () => {
  let srv: TestServer;
  let kc: OidcUpstream;
  let google: OidcUpstream;
  let fx: Awaited<ReturnType<typeof arcFixture>>;
  let s: ReturnType<typeof socialClient>;
  const callback = `${PUBLIC_URL}/auth/keycloak-auth-redirect`;
  const basic = `Basic ${Buffer.from('gh-kc:kc-secret').toString('base64')}`;

  beforeAll(async () => {
    kc = await startOidcUpstream({ realmPath: '/auth/realms/test' });
    kc.addClient({ client_id: 'gh-kc', client_secret: 'kc-secret', redirect_uris: [callback] });
    kc.addUser({ sub: 'kc-1', email: 'xyz@gmail.com', email_verified: true, preferred_username: 'test_user', given_name: 'Test', family_name: 'User' });
    google = await startOidcUpstream();
    google.addClient({ client_id: 'gh-google', client_secret: 'google-secret', redirect_uris: [`${PUBLIC_URL}/auth/google-auth-redirect`] });
    google.addUser({ sub: 'g-1', email: 'xyz@gmail.com', email_verified: true });
    const host = new URL(kc.issuer).origin;
    srv = await startServer({
      publicUrl: PUBLIC_URL,
      keycloakHost: host,
      keycloakRealm: 'test',
      keycloakClientId: 'gh-kc',
      keycloakClientSecret: 'kc-secret',
      googleAuthClientId: 'gh-google',
      googleAuthClientSecret: 'google-secret',
      googleAuthIssuer: google.issuer,
    });
    fx = await arcFixture(srv.core);
    s = socialClient(srv);
  });
  afterAll(async () => {
    await srv?.close();
    await closeAllUpstreams();
  });

  const signIn = async () => s.signIn(s.codeOf((await s.walk('/auth/keycloak', (url) => kc.login(url, 'kc-1'))).callback));
  /** The provider tokens a session keeps (to compare with what reaches Keycloak). */
  const upstreamOf = async (refreshToken: string) => {
    const session = await srv.core.sessions.inspect(refreshToken, { kind: 'arc' });
    return srv.core.federation.openTokens(session.upstream_enc ?? '');
  };
  const logoutsSettled = async (n: number) => {
    for (let i = 0; i < 100 && (kc.logouts.length < n || kc.logouts.some((l) => l.status === 0)); i++) await new Promise((r) => setTimeout(r, 50));
  };

  it('starts at the realm: 302 to …/auth/realms/test/protocol/openid-connect/auth with state client_id=web&…', async () => {
    const r = await s.start('/auth/keycloak');
    const to = new URL(r.headers.get('location') ?? '');
    expect(`${to.origin}${to.pathname}`).toBe(`${kc.issuer}/protocol/openid-connect/auth`);
    expect(to.searchParams.get('state')).toMatch(/^client_id=web&/);
    expect(to.searchParams.get('redirect_uri')).toBe(callback);
    const get = await s.req('GET', '/auth/keycloak?client_id=web&client_secret=test');
    expect(get.status).toBe(302);
  });

  it('signs the user in through the realm and /auth/me shows them', async () => {
    const { me } = await signIn();
    expect(me).toMatchObject({ id: fx.user.uuid, username: 'test_user' });
  });

  it('POST /keycloak/logout ends the session and the Keycloak session, with its refresh token and the client Basic credentials', async () => {
    const { accessToken, refreshToken } = await signIn();
    const tokens = await upstreamOf(refreshToken);
    expect(tokens?.refreshToken).toBeTruthy();
    const before = kc.logouts.length;
    const r = await s.req('POST', '/keycloak/logout', { json: { refreshToken }, bearer: accessToken });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({ success: true, key: fx.user.uuid });
    await logoutsSettled(before + 1);
    expect(kc.logouts.slice(before)).toEqual([{ endpoint: 'logout', refreshToken: tokens?.refreshToken, authorization: basic, status: 204 }]);
    // Our session is over too.
    expect((await s.req('GET', '/auth/me', { bearer: accessToken })).status).toBe(401);
    expect((await s.req('POST', '/auth/token-refresh', { json: { refreshToken }, headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(401);
  });

  it('keeps the provider tokens through refresh-token rotation', async () => {
    const first = await signIn();
    const tokens = await upstreamOf(first.refreshToken);
    const r = await s.req('POST', '/auth/token-refresh', { json: { refreshToken: first.refreshToken }, headers: { authorization: `Bearer ${first.accessToken}` } });
    expect(r.status, r.text).toBe(200);
    const before = kc.logouts.length;
    expect((await s.req('POST', '/keycloak/logout', { json: { refreshToken: r.body.refreshToken }, bearer: r.body.accessToken })).status).toBe(200);
    await logoutsSettled(before + 1);
    expect(kc.logouts[before]).toMatchObject({ refreshToken: tokens?.refreshToken, status: 204 });
  });

  it('calls Keycloak before matching the access token to the refresh token, as the original (then 401 Token Invalid)', async () => {
    const a = await signIn();
    const b = await signIn();
    const tokensA = await upstreamOf(a.refreshToken);
    const before = kc.logouts.length;
    const r = await s.req('POST', '/keycloak/logout', { json: { refreshToken: a.refreshToken }, bearer: b.accessToken });
    expect(r.status).toBe(401);
    expect(r.body.error.message).toBe('Token Invalid');
    await logoutsSettled(before + 1);
    expect(kc.logouts[before]).toMatchObject({ refreshToken: tokensA?.refreshToken });
  });

  it('does not call Keycloak for /logout, for a password session, or for an unknown refresh token', async () => {
    const kcSession = await signIn();
    const local = await s.req('POST', '/auth/login-token', { json: fx.login() });
    const before = kc.logouts.length;
    expect((await s.req('POST', '/logout', { json: { refreshToken: kcSession.refreshToken }, bearer: kcSession.accessToken })).status).toBe(200);
    expect((await s.req('POST', '/keycloak/logout', { json: { refreshToken: local.body.refreshToken }, bearer: local.body.accessToken })).status).toBe(200);
    const unknown = await s.req('POST', '/keycloak/logout', { json: { refreshToken: 'f'.repeat(64) }, bearer: kcSession.accessToken });
    expect(unknown.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(kc.logouts.length).toBe(before);
  });

  it('does not send another provider\'s tokens to Keycloak (the original sent any session\'s)', async () => {
    const g = await s.signIn(s.codeOf((await s.walk('/auth/google', (url) => google.login(url, 'g-1'))).callback));
    expect((await upstreamOf(g.refreshToken))?.accessToken).toBeTruthy();
    const before = kc.logouts.length;
    expect((await s.req('POST', '/keycloak/logout', { json: { refreshToken: g.refreshToken }, bearer: g.accessToken })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(kc.logouts.length).toBe(before);
    expect(google.logouts).toEqual([]);
  });

  it('answers /keycloak/logout at once even when Keycloak is down (fire-and-forget)', async () => {
    const { accessToken, refreshToken } = await signIn();
    await kc.close();
    const t0 = Date.now();
    const r = await s.req('POST', '/keycloak/logout', { json: { refreshToken }, bearer: accessToken });
    expect(r.status, r.text).toBe(200);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});
