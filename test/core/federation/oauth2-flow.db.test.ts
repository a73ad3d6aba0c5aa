import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../support/server.js';
import { closeAllUpstreams, startOAuth2Upstream, type OAuth2Tamper, type OAuth2Upstream } from '../../support/upstreams/index.js';
import { authorize, callbackOf, codeOf, signIn, writesNothing } from './support.js';

// The engine against small servers speaking GitHub's, Facebook's and Instagram's OAuth2 and
// profile APIs (test/support/upstreams/oauth2.ts).

describe('federation with plain OAuth2 providers', () => {
  let srv: TestServer;
  let gh: OAuth2Upstream;
  let fb: OAuth2Upstream;
  let ig: OAuth2Upstream;

  beforeAll(async () => {
    [gh, fb, ig] = await Promise.all([startOAuth2Upstream('github'), startOAuth2Upstream('facebook'), startOAuth2Upstream('instagram')]);
    srv = await startServer({
      githubAuthClientId: 'gh-app', githubAuthClientSecret: 'gh-secret',
      githubAuthUrl: gh.authorizationUrl, githubAuthTokenUrl: gh.tokenUrl, githubAuthProfileUrl: gh.profileUrl, githubAuthEmailsUrl: gh.emailsUrl ?? '',
      facebookAuthClientId: 'fb-app', facebookAuthClientSecret: 'fb-secret',
      facebookAuthUrl: fb.authorizationUrl, facebookAuthTokenUrl: fb.tokenUrl, facebookAuthProfileUrl: fb.profileUrl,
      instagramAuthClientId: 'ig-app', instagramAuthClientSecret: 'ig-secret',
      instagramAuthUrl: ig.authorizationUrl, instagramAuthTokenUrl: ig.tokenUrl, instagramAuthProfileUrl: ig.profileUrl,
      federationTimeoutMs: 5000,
    });
    gh.addClient({ client_id: 'gh-app', client_secret: 'gh-secret', redirect_uris: [callbackOf(srv, 'github')] });
    fb.addClient({ client_id: 'fb-app', client_secret: 'fb-secret', redirect_uris: [callbackOf(srv, 'facebook')] });
    ig.addClient({ client_id: 'ig-app', client_secret: 'ig-secret', redirect_uris: [callbackOf(srv, 'instagram')] });
  });
  afterAll(async () => {
    await srv?.close();
    await closeAllUpstreams();
  });

  describe('GitHub', () => {
    it('signs in with PKCE; the email is the verified primary one of /user/emails', async () => {
      gh.addUser({ id: '583231', login: 'Octo-Cat', name: 'The Octocat', email: 'octo@example.com', emailVerified: true });
      const done = await signIn(srv, gh, 'github', '583231');
      expect(gh.seen.authorize.at(-1)?.get('code_challenge_method')).toBe('S256');
      expect(gh.seen.authorize.at(-1)?.get('scope')).toBe('read:user user:email');
      expect(gh.seen.token.at(-1)?.get('code_verifier')).toBeTruthy();
      expect(done.profile).toEqual({ provider: 'github', subject: '583231', email: 'octo@example.com', emailVerified: true, name: 'The Octocat', username: 'Octo-Cat', picture: 'https://avatars.example/u/583231' });
      const r = await srv.core.federation.resolve(done.profile, { signup: true, dialect: 'feathers' });
      expect(r.account).toMatchObject({ username: 'octo-cat', email: 'octo@example.com' });
      expect(r.account.email_verified_at).toBeGreaterThan(0);
    });

    it('takes no email from GitHub when the primary address is not verified (not the public profile one either)', async () => {
      gh.addUser({ id: '777', login: 'sneaky', email: 'victim@example.com', emailVerified: false });
      const done = await signIn(srv, gh, 'github', '777');
      expect(done.profile).toMatchObject({ subject: '777', emailVerified: false });
      expect(done.profile.email).toBeUndefined();
    });

    it.each([
      ['error', 'upstream_rejected'],
      ['garbage', 'upstream_failed'],
      ['down', 'upstream_failed'],
    ] as [OAuth2Tamper, string][])('token endpoint %s → %s, nothing written', async (mode, code) => {
      gh.addUser({ id: `t-${mode}`, login: `t-${mode}` });
      const { params } = await authorize(srv, gh, 'github', `t-${mode}`);
      gh.tamper(mode);
      try {
        await writesNothing(srv, async () => expect(await codeOf(srv.core.federation.finish({ provider: 'github', params }))).toBe(code));
      } finally {
        gh.tamper('none');
      }
    });
  });

  describe('Facebook', () => {
    it('signs in with PKCE and reads /me; its email never counts as verified', async () => {
      fb.addUser({ id: '10158000000000001', name: 'Fay Book', email: 'fay@example.com', emailVerified: true });
      const done = await signIn(srv, fb, 'facebook', '10158000000000001');
      expect(fb.seen.authorize.at(-1)?.get('code_challenge_method')).toBe('S256');
      expect(done.profile).toEqual({ provider: 'facebook', subject: '10158000000000001', email: 'fay@example.com', emailVerified: false, name: 'Fay Book', givenName: 'Fay', familyName: 'Book' });
    });

    it('does not link a Facebook sign-in to the account with that email (identity_conflict)', async () => {
      await srv.core.accounts.create({ username: 'fiona', email: 'fiona@example.com', password: 'pw-fiona-1' });
      fb.addUser({ id: '10158000000000002', name: 'Not Fiona', email: 'fiona@example.com' });
      const done = await signIn(srv, fb, 'facebook', '10158000000000002');
      await writesNothing(srv, async () => expect(await codeOf(srv.core.federation.resolve(done.profile, { signup: true, dialect: 'arc' }))).toBe('identity_conflict'));
    });

    it('turns a refused code (a Graph API error, HTTP 400) into upstream_rejected', async () => {
      fb.addUser({ id: '10158000000000003', name: 'X' });
      const { params } = await authorize(srv, fb, 'facebook', '10158000000000003');
      fb.tamper('error');
      try {
        expect(await codeOf(srv.core.federation.finish({ provider: 'facebook', params }))).toBe('upstream_rejected');
      } finally {
        fb.tamper('none');
      }
    });
  });

  describe('Instagram', () => {
    it('signs in (no PKCE, no token_type in the answer) with the id of /me, exact', async () => {
      ig.addUser({ id: '17841405793187218', login: 'insta.gram' });
      const done = await signIn(srv, ig, 'instagram', '17841405793187218');
      expect(ig.seen.authorize.at(-1)?.has('code_challenge')).toBe(false);
      expect(done.profile).toEqual({ provider: 'instagram', subject: '17841405793187218', emailVerified: false, username: 'insta.gram' });
      const r = await srv.core.federation.resolve(done.profile, { signup: true, dialect: 'arc' });
      expect(r.account).toMatchObject({ username: 'insta.gram', email: null });
    });

    it('turns a refused code into upstream_rejected and garbage into upstream_failed', async () => {
      ig.addUser({ id: '1784', login: 'x' });
      for (const [mode, code] of [['error', 'upstream_rejected'], ['garbage', 'upstream_failed']] as const) {
        const { params } = await authorize(srv, ig, 'instagram', '1784');
        ig.tamper(mode);
        try {
          expect(await codeOf(srv.core.federation.finish({ provider: 'instagram', params }))).toBe(code);
        } finally {
          ig.tamper('none');
        }
      }
    });
  });
});
