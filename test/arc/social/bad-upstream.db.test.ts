import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb, startServer, type Res, type TestServer } from '../../support/server.js';
import { arcFixture } from '../../support/fixtures/arc.js';
import { closeAllUpstreams, startOidcUpstream, type OidcUpstream, type TokenTamper } from '../../support/upstreams/index.js';
import { PUBLIC_URL, expect401, rowCounts, socialClient } from './flow.js';

/**
 * Issue 12 item 6 on ARC's wire: a tampered id_token, a bad, replayed or missing state, a
 * provider that is down, slow or talks garbage: ARC's 401 envelope, never a 5xx, nothing written,
 * nothing hanging. And the start's own checks: form-encoded only, the client, decision 13.
 */
await describeDb('arc social: bad upstreams and bad callbacks', () => {
  let srv: TestServer;
  let google: OidcUpstream;
  let s: ReturnType<typeof socialClient>;

  beforeAll(async () => {
    google = await startOidcUpstream();
    google.addClient({ client_id: 'gh-google', client_secret: 'google-secret', redirect_uris: [`${PUBLIC_URL}/auth/google-auth-redirect`] });
    google.addUser({ sub: 'g-test-user', email: 'xyz@gmail.com', email_verified: true });
    srv = await startServer({ publicUrl: PUBLIC_URL, googleAuthClientId: 'gh-google', googleAuthClientSecret: 'google-secret', googleAuthIssuer: google.issuer, federationTimeoutMs: 1500 });
    await arcFixture(srv.core);
    s = socialClient(srv);
  });
  afterAll(async () => {
    await srv?.close();
    await closeAllUpstreams();
  });

  /** A callback that must fail: 401 in ARC's envelope, and no account, identity, code or session written. */
  async function refused(back: () => Promise<Res>, message?: string): Promise<Res> {
    const before = await rowCounts(srv);
    const r = await back();
    if (message) expect401(r, message);
    else {
      expect(r.status, r.text).toBe(401);
      expect(r.body.error).toMatchObject({ statusCode: 401, name: 'UnauthorizedError' });
    }
    expect(await rowCounts(srv)).toEqual(before);
    return r;
  }
  const login = (url: string) => google.login(url, 'g-test-user');

  it.each<TokenTamper>(['bad-signature', 'wrong-audience', 'wrong-issuer', 'expired', 'wrong-nonce', 'no-id-token'])(
    'refuses an id_token that is %s with 401, writing nothing',
    async (mode) => {
      google.tamper(mode);
      try {
        const start = await s.start('/auth/google');
        const back = await login(start.headers.get('location') ?? '');
        await refused(() => s.follow(back), 'The provider did not confirm the sign-in');
      } finally {
        google.tamper('none');
      }
    },
  );

  it.each<[TokenTamper, string]>([
    ['garbage', 'Failed to obtain access token'],
    ['down', 'Failed to obtain access token'],
    ['error', 'The provider did not confirm the sign-in'],
  ])('answers 401 when the token endpoint is %s, writing nothing', async (mode, message) => {
    google.tamper(mode);
    try {
      const start = await s.start('/auth/google');
      const back = await login(start.headers.get('location') ?? '');
      await refused(() => s.follow(back), message);
    } finally {
      google.tamper('none');
    }
  });

  it('gives up on a slow provider within its time limit (401, nothing written)', async () => {
    google.tamper('slow');
    try {
      const start = await s.start('/auth/google');
      const back = await login(start.headers.get('location') ?? '');
      const t0 = Date.now();
      await refused(() => s.follow(back), 'Failed to obtain access token');
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      google.tamper('none');
    }
  });

  it('refuses a tampered state with 401 "Unable to verify authorization request state."', async () => {
    const start = await s.start('/auth/google');
    const back = new URL(await login(start.headers.get('location') ?? ''));
    const state = back.searchParams.get('state') ?? '';
    for (const forged of [`${state}x`, 'client_id=web', 'client_id=web&s=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', '']) {
      const u = new URL(back);
      u.searchParams.set('state', forged);
      await refused(() => s.follow(u.href), 'Unable to verify authorization request state.');
    }
    const none = new URL(back);
    none.searchParams.delete('state');
    await refused(() => s.follow(none.href), 'Unable to verify authorization request state.');
  });

  it('refuses a replayed callback: the state is single-use', async () => {
    const start = await s.start('/auth/google');
    const back = await login(start.headers.get('location') ?? '');
    s.codeOf(await s.follow(back));
    await refused(() => s.follow(back), 'Unable to verify authorization request state.');
  });

  it('refuses a state started for one client that someone rewrites to name another', async () => {
    const start = await s.start('/auth/google');
    const back = new URL(await login(start.headers.get('location') ?? ''));
    back.searchParams.set('state', (back.searchParams.get('state') ?? '').replace('client_id=web', 'client_id=evil'));
    await refused(() => s.follow(back.href), 'Unable to verify authorization request state.');
  });

  it('answers a callback without a code, or with the provider\'s error, with 401', async () => {
    const start = await s.start('/auth/google');
    const back = new URL(await login(start.headers.get('location') ?? ''));
    const denied = new URL(back.origin + back.pathname);
    denied.searchParams.set('error', 'access_denied');
    denied.searchParams.set('state', back.searchParams.get('state') ?? '');
    await refused(() => s.follow(denied.href));
    const start2 = await s.start('/auth/google');
    const back2 = new URL(await login(start2.headers.get('location') ?? ''));
    back2.searchParams.delete('code');
    await refused(() => s.follow(back2.href));
  });

  it('answers a JSON start with 415 and a bad client with 401 Client Invalid, before any provider is called', async () => {
    const seen = google.seen.authorize.length;
    const json = await s.req('POST', '/auth/google', { json: { client_id: 'web', client_secret: 'test' } });
    expect(json.status).toBe(415);
    expect(json.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect401(await s.req('POST', '/auth/google', { form: { client_id: 'web', client_secret: 'wrong' } }), 'Client Invalid');
    expect401(await s.req('POST', '/auth/google', { form: { client_id: 'nobody', client_secret: 'test' } }), 'Client Invalid');
    expect401(await s.req('GET', '/auth/google?client_id=web&client_secret=wrong'), 'Client Invalid');
    expect(google.seen.authorize.length).toBe(seen);
  });

  it('answers an unconfigured provider with 400 "not configured" (decision 13), at the start and at the callback', async () => {
    for (const [start, callback, id] of [['/auth/keycloak', '/auth/keycloak-auth-redirect', 'keycloak'], ['/auth/oauth-apple', '/auth/apple-oauth-redirect', 'apple'], ['/auth/facebook', '/auth/facebook-auth-redirect', 'facebook']] as const) {
      const r = await s.req('POST', start, { form: { client_id: 'web', client_secret: 'test' } });
      expect(r.status, r.text).toBe(400);
      expect(r.body).toEqual({ error: { statusCode: 400, name: 'BadRequestError', message: `Social login provider ${id} is not configured` } });
      expect((await s.req('GET', `${callback}?code=x&state=client_id%3Dweb`)).body.error.message).toBe(`Social login provider ${id} is not configured`);
    }
  });
});
