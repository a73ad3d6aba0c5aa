import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb, startServer, type TestServer } from '../../support/server.js';
import { arcFixture } from '../../support/fixtures/arc.js';
import { STATUS } from '../../../src/core/rbac/permissions.js';
import { closeAllUpstreams, startOidcUpstream, type OidcUpstream } from '../../support/upstreams/index.js';
import { PUBLIC_URL, expect401, rowCounts, socialClient } from './flow.js';

/** ARC's Google login (reference §6 "Social logins") against a real OpenID provider standing in for Google. */
await describeDb('arc social: Google', () => {
  let srv: TestServer;
  let google: OidcUpstream;
  let fx: Awaited<ReturnType<typeof arcFixture>>;
  let s: ReturnType<typeof socialClient>;
  const callback = `${PUBLIC_URL}/auth/google-auth-redirect`;

  beforeAll(async () => {
    google = await startOidcUpstream();
    google.addClient({ client_id: 'gh-google', client_secret: 'google-secret', redirect_uris: [callback] });
    google.addUser({ sub: 'g-test-user', email: 'xyz@gmail.com', email_verified: true, name: 'Test User', given_name: 'Test', family_name: 'User' });
    google.addUser({ sub: 'g-stranger', email: 'stranger@example.com', email_verified: true, name: 'Stranger', given_name: 'Some', family_name: 'Stranger' });
    google.addUser({ sub: 'g-unverified', email: 'xyz@gmail.com', email_verified: false });
    google.addUser({ sub: 'g-linkable', email: 'linkable@example.com', email_verified: true });
    google.addUser({ sub: 'g-blocked', email: 'blocked@example.com', email_verified: true });
    srv = await startServer({ publicUrl: PUBLIC_URL, googleAuthClientId: 'gh-google', googleAuthClientSecret: 'google-secret', googleAuthIssuer: google.issuer });
    fx = await arcFixture(srv.core);
    s = socialClient(srv);
  });
  afterAll(async () => {
    await srv?.close();
    await closeAllUpstreams();
  });

  it('answers POST /auth/google with 302 to the provider, state beginning client_id=web, our callback as redirect_uri', async () => {
    const r = await s.start('/auth/google');
    const to = new URL(r.headers.get('location') ?? '');
    expect(to.href.startsWith(google.issuer)).toBe(true);
    expect(to.searchParams.get('response_type')).toBe('code');
    expect(to.searchParams.get('client_id')).toBe('gh-google');
    expect(to.searchParams.get('redirect_uri')).toBe(callback);
    expect(to.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['openid', 'email', 'profile']));
    // The original's `state=client_id%3Dweb`, now followed by a single-use random part.
    expect(to.searchParams.get('state')).toMatch(/^client_id=web&/);
    expect(to.searchParams.get('nonce')).toBeTruthy();
    expect(to.searchParams.get('code_challenge_method')).toBe('S256');
  });

  it('answers the deprecated GET /auth/google?client_id=&client_secret= the same way', async () => {
    const r = await s.req('GET', '/auth/google?client_id=web&client_secret=test');
    expect(r.status).toBe(302);
    expect(new URL(r.headers.get('location') ?? '').searchParams.get('state')).toMatch(/^client_id=web&/);
  });

  it('signs the existing user in: callback 302 <redirectUrl>?code=, /auth/token, /auth/me shows the user', async () => {
    const w = await s.walk('/auth/google', (url) => google.login(url, 'g-test-user'));
    const code = s.codeOf(w.callback);
    expect(w.callback.text).toBe(`Found. Redirecting to ${w.callback.headers.get('location')}`);
    const { me } = await s.signIn(code);
    expect(me).toMatchObject({ id: fx.user.uuid, username: 'test_user', email: 'xyz@gmail.com', authClientId: fx.web.id });
    // Linked by the provider's verified email: the next sign-in finds the identity itself.
    expect(await srv.core.federation.identitiesOf(fx.user.id)).toEqual([expect.objectContaining({ provider: 'google', subject: 'g-test-user' })]);
  });

  it('keeps the provider tokens sealed with the session, not in the code or the access token', async () => {
    const w = await s.walk('/auth/google', (url) => google.login(url, 'g-test-user'));
    const code = s.codeOf(w.callback);
    const { accessToken, refreshToken } = await s.signIn(code);
    const session = await srv.core.sessions.inspect(refreshToken, { kind: 'arc' });
    expect(session.source).toBe('google');
    expect(session.upstream_enc).toBeTruthy();
    const tokens = srv.core.federation.openTokens(session.upstream_enc ?? '');
    expect(tokens?.accessToken).toBeTruthy();
    for (const t of [code, accessToken, session.upstream_enc ?? '']) expect(t).not.toContain(tokens?.accessToken);
    // Ending the session drops them.
    expect((await s.req('POST', '/logout', { json: { refreshToken }, bearer: accessToken })).status).toBe(200);
    const row = await srv.store.db.selectFrom('sessions').select('upstream_enc').where('id', '=', session.id).executeTakeFirstOrThrow();
    expect(row.upstream_enc).toBeNull();
  });

  it('lets the code be exchanged once only', async () => {
    const code = s.codeOf((await s.walk('/auth/google', (url) => google.login(url, 'g-test-user'))).callback);
    await s.signIn(code);
    const again = await s.req('POST', '/auth/token', { json: { code, clientId: 'web' } });
    expect(again.status).toBe(401);
  });

  it('refuses an unknown person with 401 Invalid Credentials when sign-up is off (the original), creating nothing', async () => {
    const before = await rowCounts(srv);
    const w = await s.walk('/auth/google', (url) => google.login(url, 'g-stranger'));
    expect401(w.callback, 'Invalid Credentials');
    expect(await rowCounts(srv)).toEqual(before);
    expect(await srv.core.accounts.byUsername('stranger@example.com')).toBeUndefined();
  });

  it('refuses an unverified email that belongs to an account with 401 Invalid Credentials, linking nothing', async () => {
    const before = await rowCounts(srv);
    const w = await s.walk('/auth/google', (url) => google.login(url, 'g-unverified'));
    expect401(w.callback, 'Invalid Credentials');
    expect(await rowCounts(srv)).toEqual(before);
  });

  it('with ARC_SOCIAL_SIGNUP_ENABLED creates the account, allowed on the client it came through', async () => {
    srv.config.arcSocialSignupEnabled = true;
    try {
      const w = await s.walk('/auth/google', (url) => google.login(url, 'g-stranger'));
      const { me } = await s.signIn(s.codeOf(w.callback));
      expect(me).toMatchObject({ email: 'stranger@example.com', authClientIds: `{${fx.web.id}}`, authClientId: fx.web.id });
      expect(me.id).not.toBe(fx.user.uuid);
    } finally {
      srv.config.arcSocialSignupEnabled = false;
    }
  });

  it('refuses with 401 Client Invalid, writing nothing, when the client was removed or has no redirectUrl', async () => {
    // An account the sign-in would link to (verified address): the client is checked before that.
    const linkable = await srv.core.accounts.create({ username: 'linkable', email: 'linkable@example.com', clientIds: [fx.web.id] });
    const other = await srv.core.clients.create({ clientId: 'spa', clientSecret: 'spa-secret', secret: 'spa-signing', redirectUrl: null, accessTokenExpiration: 60, refreshTokenExpiration: 60, authCodeExpiration: 60 });
    const start = await s.start('/auth/google', { client_id: 'spa', client_secret: 'spa-secret' });
    const back = await google.login(start.headers.get('location') ?? '', 'g-linkable');
    const before = await rowCounts(srv);
    expect401(await s.follow(back), 'Client Invalid', false);
    expect(await rowCounts(srv)).toEqual(before);

    await srv.core.clients.update(other.id, { redirectUrl: 'http://spa.test/cb' });
    const start2 = await s.start('/auth/google', { client_id: 'spa', client_secret: 'spa-secret' });
    const back2 = await google.login(start2.headers.get('location') ?? '', 'g-linkable');
    await srv.core.clients.remove(other.id, null);
    expect401(await s.follow(back2), 'Client Invalid', false);
    expect(await rowCounts(srv)).toEqual(before);
    expect(await srv.core.federation.identitiesOf(linkable.id)).toEqual([]);
  });

  it('refuses a blocked account with 401 UserInactive, linking nothing and issuing no code', async () => {
    const blocked = await srv.core.accounts.create({ username: 'blocked', email: 'blocked@example.com', status: STATUS.inactive, clientIds: [fx.web.id] });
    const before = await rowCounts(srv);
    expect401((await s.walk('/auth/google', (url) => google.login(url, 'g-blocked'))).callback, 'UserInactive');
    expect(await rowCounts(srv)).toEqual(before);
    expect(await srv.core.federation.identitiesOf(blocked.id)).toEqual([]);
  });

  it('voids the code when the password changes between the callback and /auth/token', async () => {
    const code = s.codeOf((await s.walk('/auth/google', (url) => google.login(url, 'g-test-user'))).callback);
    await srv.core.accounts.setPassword(fx.user, 'a-new-password!', { via: 'arc' });
    const r = await s.req('POST', '/auth/token', { json: { code, clientId: 'web' } });
    expect(r.status, r.text).toBe(401);
    await srv.core.accounts.setPassword((await srv.core.accounts.byId(fx.user.id))!, 'temp123!@', { via: 'arc' });
  });
});
