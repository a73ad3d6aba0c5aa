import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { startServer, type TestServer } from '../../support/server.js';
import { closeAllUpstreams, startOidcUpstream, type OidcUpstream, type TokenTamper } from '../../support/upstreams/index.js';
import { authorize, callbackOf, codeOf, counts, signIn, writesNothing } from './support.js';

// The engine (core.federation) against a real OpenID provider (oidc-provider on loopback)
// standing in for Google, a generic OpenID provider of the configuration, and Keycloak.

describe('federation with an OpenID provider', () => {
  let srv: TestServer;
  let google: OidcUpstream;
  let kc: OidcUpstream;
  const user = (sub: string, email: string | undefined, verified: boolean) => ({ sub, email, email_verified: verified, name: `Person ${sub}`, given_name: 'Person', family_name: sub, preferred_username: sub });

  beforeAll(async () => {
    google = await startOidcUpstream();
    kc = await startOidcUpstream({ realmPath: '/auth/realms/test' });
    srv = await startServer({
      googleAuthClientId: 'gh-google',
      googleAuthClientSecret: 'google-secret',
      googleAuthIssuer: google.issuer,
      // Keycloak's endpoints only: its client comes from an oauth_providers record at run time.
      keycloakIssuer: kc.issuer,
      oidcProviders: [{ id: 'corp', name: 'Corp SSO', icon: 'building', clientid: 'gh-corp', clientsecret: 'corp-secret', issuer: google.issuer }],
      federationTimeoutMs: 5000,
    });
    google.addClient({ client_id: 'gh-google', client_secret: 'google-secret', redirect_uris: [callbackOf(srv, 'google')] });
    google.addClient({ client_id: 'gh-corp', client_secret: 'corp-secret', redirect_uris: [callbackOf(srv, 'corp')], token_endpoint_auth_method: 'client_secret_post' });
    kc.addClient({ client_id: 'kc-client', client_secret: 'kc-secret', redirect_uris: [callbackOf(srv, 'keycloak')] });
  });
  afterAll(async () => {
    await srv?.close();
    await closeAllUpstreams();
  });

  it('signs a new person up (PKCE, state, nonce, verified id_token) and finds the same account the next time', async () => {
    google.addUser(user('new-1', 'New.One@Example.com', true));
    const { started, params } = await authorize(srv, google, 'google', 'new-1', { context: { app: 'x' } });
    const sent = google.seen.authorize.at(-1);
    expect(sent?.get('code_challenge_method')).toBe('S256');
    expect(sent?.get('nonce')).toMatch(/^[\w-]{20,}$/);
    expect(sent?.get('state')).toBe(started.state);
    expect(sent?.get('scope')).toBe('openid email profile');

    const done = await srv.core.federation.finish({ provider: 'google', params, browserState: started.state });
    expect(done.context).toEqual({ app: 'x' });
    expect(done.profile).toEqual({
      provider: 'google', subject: 'new-1', email: 'New.One@Example.com', emailVerified: true,
      name: 'Person new-1', givenName: 'Person', familyName: 'new-1', username: 'new-1',
    });
    expect(decodeJwt(done.tokens.idToken ?? '').nonce).toBe(sent?.get('nonce'));
    expect(google.seen.token.at(-1)?.get('code_verifier')).toMatch(/^[\w-]{43,}$/);

    const first = await srv.core.federation.resolve(done.profile, { signup: true, dialect: 'simple' });
    expect(first).toMatchObject({ created: true, linked: false });
    expect(first.account).toMatchObject({ username: 'new-1', email: 'New.One@Example.com', first_name: 'Person', last_name: 'new-1', name: 'Person new-1' });
    expect(first.account.email_verified_at).toBeGreaterThan(0);
    expect(await srv.core.accounts.localView(first.account)).toBeUndefined();

    const again = await srv.core.federation.resolve((await signIn(srv, google, 'google', 'new-1')).profile, { signup: false, dialect: 'arc' });
    expect(again).toMatchObject({ created: false, linked: false });
    expect(again.account.id).toBe(first.account.id);
    expect(await srv.core.federation.identitiesOf(first.account.id)).toEqual([{ provider: 'google', subject: 'new-1', createdAt: expect.any(Number) }]);
  });

  it('links to the account with the same email when the provider asserts it verified', async () => {
    const bob = await srv.core.accounts.create({ username: 'bob', email: 'Bob@Example.com', password: 'pw-bob-123' });
    google.addUser(user('bob-g', 'bob@example.COM', true));
    const r = await srv.core.federation.resolve((await signIn(srv, google, 'google', 'bob-g')).profile, { signup: true, dialect: 'feathers' });
    expect(r).toMatchObject({ created: false, linked: true });
    expect(r.account.id).toBe(bob.id);
  });

  it('refuses an unverified email that belongs to an account (identity_conflict), writing nothing', async () => {
    await srv.core.accounts.create({ username: 'carol', email: 'carol@example.com', password: 'pw-carol-123' });
    google.addUser(user('carol-g', 'carol@example.com', false));
    const done = await signIn(srv, google, 'google', 'carol-g');
    expect(done.profile.emailVerified).toBe(false);
    await writesNothing(srv, async () => expect(await codeOf(srv.core.federation.resolve(done.profile, { signup: true, dialect: 'simple' }))).toBe('identity_conflict'));
  });

  it('refuses an unknown person when sign-up is off (signup_disabled), writing nothing', async () => {
    google.addUser(user('nobody-yet', 'nobody@example.com', true));
    const done = await signIn(srv, google, 'google', 'nobody-yet');
    await writesNothing(srv, async () => expect(await codeOf(srv.core.federation.resolve(done.profile, { signup: false, dialect: 'arc' }))).toBe('signup_disabled'));
  });

  it('creates an account without the verification mark when the provider did not verify the email', async () => {
    google.addUser(user('unverified', 'fresh@example.com', false));
    const r = await srv.core.federation.resolve((await signIn(srv, google, 'google', 'unverified')).profile, { signup: true, dialect: 'simple' });
    expect(r.account).toMatchObject({ email: 'fresh@example.com', email_verified_at: null });
  });

  it('refuses a linked but blocked account (user_inactive)', async () => {
    google.addUser(user('blocked', 'blocked@example.com', true));
    const done = await signIn(srv, google, 'google', 'blocked');
    const r = await srv.core.federation.resolve(done.profile, { signup: true, dialect: 'simple' });
    await srv.store.db.updateTable('users').set({ status: 2 }).where('id', '=', r.account.id).execute();
    expect(await codeOf(srv.core.federation.resolve(done.profile, { signup: true, dialect: 'simple' }))).toBe('user_inactive');
  });

  describe('a tampering provider: a clear failure, nothing written', () => {
    const cases: [TokenTamper, string][] = [
      ['bad-signature', 'upstream_rejected'],
      ['wrong-audience', 'upstream_rejected'],
      ['wrong-issuer', 'upstream_rejected'],
      ['expired', 'upstream_rejected'],
      ['wrong-nonce', 'upstream_rejected'],
      ['no-id-token', 'upstream_rejected'],
      ['error', 'upstream_rejected'],
      ['garbage', 'upstream_failed'],
      ['down', 'upstream_failed'],
    ];
    it.each(cases)('%s → %s', async (mode, code) => {
      google.addUser(user(`tamper-${mode}`, `tamper-${mode}@example.com`, true));
      const { params } = await authorize(srv, google, 'google', `tamper-${mode}`);
      google.tamper(mode);
      try {
        await writesNothing(srv, async () => expect(await codeOf(srv.core.federation.finish({ provider: 'google', params }))).toBe(code));
      } finally {
        google.tamper('none');
      }
      expect(await srv.core.federation.identitiesOf(0)).toEqual([]);
    });

    it('refuses an id_token signed by another key even though every claim is right (the signature is checked)', async () => {
      google.addUser(user('forged', 'forged@example.com', true));
      const { params } = await authorize(srv, google, 'google', 'forged');
      google.tamper('bad-signature');
      const before = await counts(srv);
      try {
        expect(await codeOf(srv.core.federation.finish({ provider: 'google', params }))).toBe('upstream_rejected');
      } finally {
        google.tamper('none');
      }
      expect(await counts(srv)).toEqual(before);
    });
  });

  describe('state', () => {
    it('is single use: a replayed callback fails with state_invalid', async () => {
      google.addUser(user('replay', 'replay@example.com', true));
      const { params } = await authorize(srv, google, 'google', 'replay');
      await srv.core.federation.finish({ provider: 'google', params });
      expect(await codeOf(srv.core.federation.finish({ provider: 'google', params }))).toBe('state_invalid');
    });

    it('lets exactly one of two parallel callbacks with one state through', async () => {
      google.addUser(user('race-state', 'race-state@example.com', true));
      const { params } = await authorize(srv, google, 'google', 'race-state');
      const results = await Promise.allSettled([srv.core.federation.finish({ provider: 'google', params }), srv.core.federation.finish({ provider: 'google', params })]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(lost.reason.code).toBe('state_invalid');
    });

    it('must match the browser that started the sign-in; a mismatch does not spend it', async () => {
      google.addUser(user('csrf', 'csrf@example.com', true));
      const { started, params } = await authorize(srv, google, 'google', 'csrf');
      expect(await codeOf(srv.core.federation.finish({ provider: 'google', params, browserState: 'someone-elses-state' }))).toBe('state_invalid');
      expect(await codeOf(srv.core.federation.finish({ provider: 'google', params, browserState: '' }))).toBe('state_invalid');
      await expect(srv.core.federation.finish({ provider: 'google', params, browserState: started.state })).resolves.toHaveProperty('profile.subject', 'csrf');
    });

    it('refuses an unknown or missing state, and a state started for another provider', async () => {
      google.addUser(user('cross', 'cross@example.com', true));
      expect(await codeOf(srv.core.federation.finish({ provider: 'google', params: { code: 'x', state: 'made-up' } }))).toBe('state_invalid');
      expect(await codeOf(srv.core.federation.finish({ provider: 'google', params: { code: 'x' } }))).toBe('state_invalid');
      const { params } = await authorize(srv, google, 'google', 'cross');
      expect(await codeOf(srv.core.federation.finish({ provider: 'corp', params }))).toBe('state_invalid');
    });

    it('carries a dialect prefix (client_id=…&s=…) that cannot be changed on the way back', async () => {
      google.addUser(user('prefixed', 'prefixed@example.com', true));
      const { started, params } = await authorize(srv, google, 'google', 'prefixed', { statePrefix: { client_id: 'web' } });
      expect(started.state).toMatch(/^client_id=web&s=[\w-]{43}$/);
      expect(new URLSearchParams(params.state).get('client_id')).toBe('web');
      const changed = { ...params, state: params.state?.replace('client_id=web', 'client_id=evil') };
      expect(await codeOf(srv.core.federation.finish({ provider: 'google', params: changed }))).toBe('state_invalid');
      await expect(srv.core.federation.finish({ provider: 'google', params })).resolves.toHaveProperty('profile.subject', 'prefixed');
    });

    it('turns a refusal at the provider (error=access_denied) into upstream_rejected', async () => {
      const started = await srv.core.federation.start({ provider: 'google', redirectUri: callbackOf(srv, 'google'), context: {} });
      expect(await codeOf(srv.core.federation.finish({ provider: 'google', params: { state: started.state, error: 'access_denied' } }))).toBe('upstream_rejected');
    });
  });

  describe('providers', () => {
    it('lists the usable providers (no secrets) and refuses unknown ones with provider_unknown', async () => {
      const list = await srv.core.federation.providers();
      expect(list).toEqual([
        { id: 'google', name: 'Google', icon: 'google', protocol: 'oidc', source: 'config' },
        { id: 'corp', name: 'Corp SSO', icon: 'building', protocol: 'oidc', source: 'config' },
      ]);
      expect(JSON.stringify(list)).not.toMatch(/secret/);
      expect(await srv.core.federation.has('github')).toBe(false);
      expect(await codeOf(srv.core.federation.start({ provider: 'github', redirectUri: callbackOf(srv, 'github'), context: {} }))).toBe('provider_unknown');
      expect(await codeOf(srv.core.federation.start({ provider: '../etc', redirectUri: callbackOf(srv, 'x'), context: {} }))).toBe('provider_unknown');
    });

    it('signs in through a generic OpenID provider of the configuration (client_secret_post)', async () => {
      google.addUser(user('corp-1', 'corp-1@example.com', true));
      const done = await signIn(srv, google, 'corp', 'corp-1');
      expect(done.profile).toMatchObject({ provider: 'corp', subject: 'corp-1', emailVerified: true });
      expect(google.seen.token.at(-1)?.get('client_id')).toBe('gh-corp');
    });

    it('takes a provider from an oauth_providers record at run time, and drops it when the record goes', async () => {
      expect(await srv.core.federation.has('keycloak')).toBe(false);
      const rec = await srv.core.records.oauthProviders.create({ slug: 'keycloak', name: 'Company Keycloak', key: 'kc-client', secret: 'kc-secret' });
      expect(await srv.core.federation.has('keycloak')).toBe(true);
      expect(await srv.core.federation.providers()).toContainEqual({ id: 'keycloak', name: 'Company Keycloak', icon: 'keycloak', protocol: 'oidc', source: 'record' });
      kc.addUser(user('kc-1', 'kc-1@example.com', true));
      const done = await signIn(srv, kc, 'keycloak', 'kc-1');
      expect(done.profile).toMatchObject({ provider: 'keycloak', subject: 'kc-1' });
      expect(done.tokens.refreshToken).toBeTruthy();

      // Keycloak logout: the refresh token to the end-session URL, the record's client in Basic.
      const opened = srv.core.federation.openTokens(srv.core.federation.sealTokens(done.tokens));
      expect(opened).toEqual(done.tokens);
      await srv.core.federation.endUpstream('keycloak', opened ?? done.tokens);
      expect(kc.logouts.at(-1)).toEqual({ endpoint: 'logout', refreshToken: done.tokens.refreshToken, authorization: `Basic ${Buffer.from('kc-client:kc-secret').toString('base64')}`, status: 204 });

      await srv.core.records.oauthProviders.remove(rec.id);
      expect(await srv.core.federation.has('keycloak')).toBe(false);
    });

    it('does not use a record of a provider it has no endpoints for', async () => {
      await srv.core.records.oauthProviders.create({ slug: 'mystery', key: 'id', secret: 's' });
      expect(await srv.core.federation.has('mystery')).toBe(false);
      expect(await codeOf(srv.core.federation.start({ provider: 'mystery', redirectUri: callbackOf(srv, 'mystery'), context: {} }))).toBe('provider_unknown');
    });

    it('seals upstream tokens (unreadable at rest) and keeps them with a session', async () => {
      const sealed = srv.core.federation.sealTokens({ accessToken: 'at-123', refreshToken: 'rt-456' });
      expect(sealed).not.toMatch(/at-123|rt-456/);
      expect(srv.core.federation.openTokens(sealed.slice(0, -4) + 'AAAA')).toBeUndefined();
      expect(srv.core.federation.openTokens('garbage')).toBeUndefined();
      const account = await srv.core.accounts.create({ username: 'sessioned' });
      const session = await srv.store.sessions.create(
        { uuid: crypto.randomUUID(), user_id: account.id, client_id: null, kind: 'arc', source: 'keycloak', device_id: null, user_agent: null, ip: null, created_at: Date.now(), last_used_at: Date.now(), expires_at: Date.now() + 60_000 },
        { hash: `h-${Date.now()}`, access_sig: null, access_exp: null, expires_at: Date.now() + 60_000 },
      );
      await srv.core.federation.keepTokens(session.id, { accessToken: 'at-1', refreshToken: 'rt-1' });
      expect(await srv.core.federation.tokensOf(session.id)).toEqual({ accessToken: 'at-1', refreshToken: 'rt-1' });
      const row = await srv.store.db.selectFrom('sessions').select('upstream_enc').where('id', '=', session.id).executeTakeFirstOrThrow();
      expect(row.upstream_enc).not.toMatch(/rt-1/);
    });
  });
});

describe('federation time limits and settings', () => {
  let srv: TestServer;
  let up: OidcUpstream;
  beforeAll(async () => {
    up = await startOidcUpstream();
    srv = await startServer({
      googleAuthClientId: 'rp',
      googleAuthClientSecret: 'sec',
      googleAuthIssuer: up.issuer,
      googleAuthCallbackUrl: 'https://gateway.example/authsvc/test-callback/google',
      federationTimeoutMs: 1500,
      federationStateSeconds: 1,
      federationLinkVerifiedEmail: false,
    });
    up.addClient({ client_id: 'rp', client_secret: 'sec', redirect_uris: ['https://gateway.example/authsvc/test-callback/google', `${srv.url}/oidc/google/callback`] });
  });
  afterAll(async () => {
    await srv?.close();
    await closeAllUpstreams();
  });

  it("uses the fixed callback URL (ARC's GOOGLE_AUTH_CALLBACK_URL) for the callback it names, and other dialects' own", async () => {
    const arc = await srv.core.federation.start({ provider: 'google', redirectUri: callbackOf(srv, 'google'), context: {} });
    expect(new URL(arc.url).searchParams.get('redirect_uri')).toBe('https://gateway.example/authsvc/test-callback/google');
    const simple = await srv.core.federation.start({ provider: 'google', redirectUri: `${srv.url}/oidc/google/callback`, context: {} });
    expect(new URL(simple.url).searchParams.get('redirect_uri')).toBe(`${srv.url}/oidc/google/callback`);
    up.addUser({ sub: 'via-simple', email: 'via-simple@example.com', email_verified: true });
    const back = new URL(await up.login(simple.url, 'via-simple'));
    await expect(srv.core.federation.finish({ provider: 'google', params: Object.fromEntries(back.searchParams) })).resolves.toHaveProperty('profile.subject', 'via-simple');
  });

  it('gives up on a slow token endpoint within FEDERATION_TIMEOUT_MS (upstream_failed)', async () => {
    up.addUser({ sub: 'slow', email: 'slow@example.com', email_verified: true });
    const { params } = await authorize(srv, up, 'google', 'slow');
    up.tamper('slow');
    const t0 = Date.now();
    try {
      expect(await codeOf(srv.core.federation.finish({ provider: 'google', params }))).toBe('upstream_failed');
    } finally {
      up.tamper('none');
    }
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(4000);
  });

  it('refuses a state older than FEDERATION_STATE_SECONDS', async () => {
    up.addUser({ sub: 'late', email: 'late@example.com', email_verified: true });
    const { params } = await authorize(srv, up, 'google', 'late');
    await new Promise((r) => setTimeout(r, 1200));
    expect(await codeOf(srv.core.federation.finish({ provider: 'google', params }))).toBe('state_invalid');
  });

  it('with FEDERATION_LINK_VERIFIED_EMAIL off, does not link even a verified email (identity_conflict)', async () => {
    await srv.core.accounts.create({ username: 'dave', email: 'dave@example.com', password: 'pw-dave-123' });
    up.addUser({ sub: 'dave-g', email: 'dave@example.com', email_verified: true });
    const done = await signIn(srv, up, 'google', 'dave-g');
    expect(done.profile.emailVerified).toBe(true);
    expect(await codeOf(srv.core.federation.resolve(done.profile, { signup: true, dialect: 'simple' }))).toBe('identity_conflict');
  });
});
