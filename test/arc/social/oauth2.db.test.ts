import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb, startServer, type TestServer } from '../../support/server.js';
import { arcFixture } from '../../support/fixtures/arc.js';
import { closeAllUpstreams, startOAuth2Upstream, type OAuth2Upstream } from '../../support/upstreams/index.js';
import { PUBLIC_URL, expect401, rowCounts, socialClient } from './flow.js';

/**
 * ARC's Facebook and Instagram logins (reference §6) against servers speaking their OAuth2 and
 * profile APIs. Neither asserts an email verified, so an account signs in through an identity
 * linked to it (the original's `user_credentials` row), or a new one is made when sign-up is on.
 * Instagram works here; the original's never did (its verifier was not bound).
 */
await describeDb('arc social: Facebook and Instagram', () => {
  let srv: TestServer;
  let fb: OAuth2Upstream;
  let ig: OAuth2Upstream;
  let fx: Awaited<ReturnType<typeof arcFixture>>;
  let s: ReturnType<typeof socialClient>;

  beforeAll(async () => {
    fb = await startOAuth2Upstream('facebook');
    ig = await startOAuth2Upstream('instagram');
    fb.addClient({ client_id: 'fb-app', client_secret: 'fb-secret', redirect_uris: [`${PUBLIC_URL}/auth/facebook-auth-redirect`] });
    ig.addClient({ client_id: 'ig-app', client_secret: 'ig-secret', redirect_uris: [`${PUBLIC_URL}/auth/instagram-auth-redirect`] });
    fb.addUser({ id: '10150000000000001', name: 'Test User', email: 'xyz@gmail.com' });
    fb.addUser({ id: '10150000000000002', name: 'Same Address', email: 'xyz@gmail.com' });
    ig.addUser({ id: '17841400000000001', login: 'test.user.ig' });
    ig.addUser({ id: '17841400000000002', login: 'new.person.ig' });
    srv = await startServer({
      publicUrl: PUBLIC_URL,
      facebookAuthClientId: 'fb-app',
      facebookAuthClientSecret: 'fb-secret',
      facebookAuthUrl: fb.authorizationUrl,
      facebookAuthTokenUrl: fb.tokenUrl,
      facebookAuthProfileUrl: `${fb.profileUrl}?fields=id,name,email,first_name,last_name`,
      instagramAuthClientId: 'ig-app',
      instagramAuthClientSecret: 'ig-secret',
      instagramAuthUrl: ig.authorizationUrl,
      instagramAuthTokenUrl: ig.tokenUrl,
      instagramAuthProfileUrl: `${ig.profileUrl}?fields=id,username`,
    });
    fx = await arcFixture(srv.core);
    await srv.core.federation.link(fx.user.id, { provider: 'facebook', subject: '10150000000000001', emailVerified: false });
    await srv.core.federation.link(fx.user.id, { provider: 'instagram', subject: '17841400000000001', emailVerified: false });
    s = socialClient(srv);
  });
  afterAll(async () => {
    await srv?.close();
    await closeAllUpstreams();
  });

  it('starts Facebook with 302 to its dialog, state client_id=web&…; no GET variant', async () => {
    const r = await s.start('/auth/facebook');
    const to = new URL(r.headers.get('location') ?? '');
    expect(`${to.origin}${to.pathname}`).toBe(fb.authorizationUrl);
    expect(to.searchParams.get('client_id')).toBe('fb-app');
    expect(to.searchParams.get('state')).toMatch(/^client_id=web&/);
    expect((await s.req('GET', '/auth/facebook?client_id=web&client_secret=test')).status).toBe(404);
  });

  it('signs the linked Facebook user in: 302 <redirectUrl>?code=, /auth/token, /auth/me', async () => {
    const w = await s.walk('/auth/facebook', (url) => fb.login(url, '10150000000000001'));
    const { me, refreshToken } = await s.signIn(s.codeOf(w.callback));
    expect(me).toMatchObject({ id: fx.user.uuid, username: 'test_user' });
    expect((await srv.core.sessions.inspect(refreshToken, { kind: 'arc' })).source).toBe('facebook');
  });

  it('refuses a Facebook user whose (unverified) address is an account\'s with 401 Invalid Credentials, linking nothing', async () => {
    const before = await rowCounts(srv);
    const w = await s.walk('/auth/facebook', (url) => fb.login(url, '10150000000000002'));
    expect401(w.callback, 'Invalid Credentials');
    expect(await rowCounts(srv)).toEqual(before);
  });

  it('signs the linked Instagram user in (the original\'s Instagram login always failed)', async () => {
    const r = await s.start('/auth/instagram');
    const to = new URL(r.headers.get('location') ?? '');
    expect(`${to.origin}${to.pathname}`).toBe(ig.authorizationUrl);
    expect(to.searchParams.get('state')).toMatch(/^client_id=web&/);
    const back = await ig.login(r.headers.get('location') ?? '', '17841400000000001');
    const { me } = await s.signIn(s.codeOf(await s.follow(back)));
    expect(me).toMatchObject({ id: fx.user.uuid, username: 'test_user' });
  });

  it('refuses an unknown Instagram user with 401 Invalid Credentials when sign-up is off, creating nothing', async () => {
    const before = await rowCounts(srv);
    const w = await s.walk('/auth/instagram', (url) => ig.login(url, '17841400000000002'));
    expect401(w.callback, 'Invalid Credentials');
    expect(await rowCounts(srv)).toEqual(before);
  });

  it('creates an account for an unknown Instagram user when ARC_SOCIAL_SIGNUP_ENABLED', async () => {
    srv.config.arcSocialSignupEnabled = true;
    try {
      const w = await s.walk('/auth/instagram', (url) => ig.login(url, '17841400000000002'));
      const { me } = await s.signIn(s.codeOf(w.callback));
      expect(me.id).not.toBe(fx.user.uuid);
      expect(me.authClientIds).toBe(`{${fx.web.id}}`);
      // Signing in again finds the same account.
      const again = await s.walk('/auth/instagram', (url) => ig.login(url, '17841400000000002'));
      expect((await s.signIn(s.codeOf(again.callback))).me.id).toBe(me.id);
    } finally {
      srv.config.arcSocialSignupEnabled = false;
    }
  });

  it('answers 401 (not 5xx), writing nothing, when Facebook\'s token endpoint fails, answers garbage or is down', async () => {
    const cases = [
      ['error', 'The provider did not confirm the sign-in'],
      ['garbage', 'Failed to obtain access token'],
      ['down', 'Failed to obtain access token'],
    ] as const;
    for (const [mode, message] of cases) {
      fb.tamper(mode);
      try {
        const before = await rowCounts(srv);
        const w = await s.walk('/auth/facebook', (url) => fb.login(url, '10150000000000001'));
        expect401(w.callback, message);
        expect(await rowCounts(srv)).toEqual(before);
      } finally {
        fb.tamper('none');
      }
    }
  });
});
