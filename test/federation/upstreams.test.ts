import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import { compactVerify, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, exportSPKI, generateKeyPair, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { closeAllUpstreams, startOAuth2Upstream, startOidcUpstream, type OAuth2Kind, type OAuth2Upstream, type OidcUpstream } from '../support/upstreams/index.js';

// The test upstreams themselves, checked with plain fetch and openid-client: the federation
// suites rely on them behaving like the real providers, tampering included.

const CB = 'http://127.0.0.1:9/cb';
const ALICE = { sub: 'alice', email: 'alice@example.com', email_verified: true, name: 'Alice Liddell', given_name: 'Alice', family_name: 'Liddell', preferred_username: 'alice' };
const insecure = { execute: [client.allowInsecureRequests] };

afterAll(closeAllUpstreams);

/** openid-client's errors say little in `message`: the OAuth error, the check's code and the failed claim are down the cause chain. */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    const parts: unknown[] = [];
    for (let c = e as { message?: string; code?: string; error?: string; claim?: string; cause?: unknown } | undefined; c; c = c.cause as typeof c) {
      parts.push(c.message, c.code, c.error, c.claim && `claim=${c.claim}`);
    }
    return ` ${parts.filter(Boolean).join(' ')} `;
  }
  throw new Error('expected a failure');
}

/** One authorization request through the provider's own login and consent pages. */
async function authorize(up: OidcUpstream, config: client.Configuration, scope = 'openid email profile', extra: Record<string, string> = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: CB, scope, state, nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
  });
  const back = new URL(await up.login(url.href, 'alice'));
  return { back, checks: { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }, verifier };
}

/** The raw token endpoint exchange, as a client that trusts nothing would see it. */
async function rawExchange(up: OidcUpstream, back: URL, verifier: string, secret = 's3cret', signal?: AbortSignal) {
  const meta = (await (await fetch(`${up.issuer}/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
  return fetch(meta.token_endpoint, {
    method: 'POST',
    signal,
    headers: { authorization: `Basic ${Buffer.from(`rp:${secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: back.searchParams.get('code') ?? '', redirect_uri: CB, code_verifier: verifier }),
  });
}

describe('OIDC upstream (oidc-provider behind the tampering proxy)', () => {
  let up: OidcUpstream;
  let config: client.Configuration;

  beforeAll(async () => {
    up = await startOidcUpstream();
    up.addClient({ client_id: 'rp', client_secret: 's3cret', redirect_uris: [CB] });
    up.addUser(ALICE);
    config = await client.discovery(new URL(up.issuer), 'rp', 's3cret', undefined, insecure);
  });

  it('serves discovery and the JWKS of the key it signs with, under its issuer', async () => {
    expect(up.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const meta = (await (await fetch(`${up.issuer}/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(meta.issuer).toBe(up.issuer);
    for (const k of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'end_session_endpoint']) expect(meta[k]).toMatch(new RegExp(`^${up.issuer}/`));
    const jwks = await (await fetch(meta.jwks_uri as string)).json();
    expect(jwks).toEqual(up.jwks);
    expect(JSON.stringify(jwks)).not.toMatch(/"d":/);
  });

  it('runs the code flow with PKCE, state and nonce; the id_token carries the claims and verifies against jwks_uri', async () => {
    const { back, checks } = await authorize(up, config);
    expect(back.origin + back.pathname).toBe(CB);
    const tokens = await client.authorizationCodeGrant(config, back, checks);
    expect(tokens.refresh_token).toBeTruthy();
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token ?? '', createRemoteJWKSet(new URL(`${up.issuer}/jwks`)), { issuer: up.issuer, audience: 'rp' });
    expect(protectedHeader.kid).toBe(up.jwks.keys[0]?.kid);
    expect(payload).toMatchObject({ ...ALICE, nonce: checks.expectedNonce });
    const info = await client.fetchUserInfo(config, tokens.access_token, 'alice');
    expect(info).toMatchObject(ALICE);
    const seen = up.seen.authorize.at(-1);
    expect(seen?.get('code_challenge_method')).toBe('S256');
    expect(seen?.get('nonce')).toBe(checks.expectedNonce);
  });

  it('checks the PKCE verifier, spends a code once, and takes client_secret_basic and _post alike', async () => {
    const a = await authorize(up, config);
    const wrong = await rawExchange(up, a.back, client.randomPKCECodeVerifier());
    expect([wrong.status, ((await wrong.json()) as { error: string }).error]).toEqual([400, 'invalid_grant']);

    const b = await authorize(up, config);
    expect((await rawExchange(up, b.back, b.verifier)).status).toBe(200);
    expect((await rawExchange(up, b.back, b.verifier)).status).toBe(400);

    const c = await authorize(up, config);
    const badSecret = await rawExchange(up, c.back, c.verifier, 'nope');
    expect([badSecret.status, ((await badSecret.json()) as { error: string }).error]).toEqual([401, 'invalid_client']);

    const post = await client.discovery(new URL(up.issuer), 'rp', undefined, client.ClientSecretPost('s3cret'), insecure);
    const d = await authorize(up, post);
    await expect(client.authorizationCodeGrant(post, d.back, d.checks)).resolves.toHaveProperty('access_token');
  });

  it('sees clients added or replaced after start, and refuses unknown users and redirect URIs', async () => {
    const other = 'http://127.0.0.1:9/other';
    up.addClient({ client_id: 'late', client_secret: 'x', redirect_uris: [other] });
    const late = await client.discovery(new URL(up.issuer), 'late', 'x', undefined, insecure);
    const url = (redirect_uri: string) => client.buildAuthorizationUrl(late, { redirect_uri, scope: 'openid', state: 's' }).href;
    expect(await up.login(url(other), 'alice')).toMatch(/^http:\/\/127\.0\.0\.1:9\/other\?code=/);
    up.addClient({ client_id: 'late', client_secret: 'x', redirect_uris: [CB] });
    await expect(up.login(url(other), 'alice')).rejects.toThrow(/400/);
    await expect(up.login(url(CB), 'alice')).resolves.toMatch(/^http:\/\/127\.0\.0\.1:9\/cb\?code=/);
    await expect(up.login(url(CB), 'mallory')).rejects.toThrow(/no user mallory/);
  });

  describe('tamper', () => {
    const jwks = () => createRemoteJWKSet(new URL(`${up.issuer}/jwks`));
    async function tampered(mode: Parameters<OidcUpstream['tamper']>[0]) {
      const { back, checks, verifier } = await authorize(up, config);
      up.tamper(mode);
      try {
        const res = await rawExchange(up, back, verifier);
        return { res, body: (await res.json()) as Record<string, string>, checks };
      } finally {
        up.tamper('none');
      }
    }
    const grantRejects = async (mode: Parameters<OidcUpstream['tamper']>[0], message: RegExp) => {
      const { back, checks } = await authorize(up, config);
      up.tamper(mode);
      try {
        expect(await failure(client.authorizationCodeGrant(config, back, checks))).toMatch(message);
      } finally {
        up.tamper('none');
      }
    };

    it('bad-signature: same kid and claims, a signature the JWKS refuses', async () => {
      const { body, checks } = await tampered('bad-signature');
      expect(decodeProtectedHeader(body.id_token ?? '').kid).toBe(up.jwks.keys[0]?.kid);
      expect(decodeJwt(body.id_token ?? '')).toMatchObject({ sub: 'alice', aud: 'rp', iss: up.issuer, nonce: checks.expectedNonce });
      await expect(jwtVerify(body.id_token ?? '', jwks())).rejects.toThrow(/signature verification failed/);
    });

    it.each([
      ['wrong-audience', { aud: 'some-other-client' }, /claim=aud /],
      ['wrong-issuer', { iss: 'http://127.0.0.1:9/not-the-issuer' }, /claim=iss /],
      ['expired', {}, /claim=exp /],
      ['wrong-nonce', {}, /claim=nonce /],
    ] as const)('%s: re-signed with the real key, the claim changed, openid-client refuses it', async (mode, claims, message) => {
      const { body, checks } = await tampered(mode);
      const payload = JSON.parse(new TextDecoder().decode((await compactVerify(body.id_token ?? '', jwks())).payload)) as JWTPayload;
      expect(payload).toMatchObject(claims);
      if (mode === 'expired') expect(payload.exp).toBeLessThan(Date.now() / 1000 - 60);
      if (mode === 'wrong-nonce') expect(payload.nonce).not.toBe(checks.expectedNonce);
      await grantRejects(mode, message);
    });

    it('no-id-token: the rest of the answer, without the id_token', async () => {
      const { res, body } = await tampered('no-id-token');
      expect(res.status).toBe(200);
      expect(body.access_token).toBeTruthy();
      expect(body).not.toHaveProperty('id_token');
      await grantRejects('no-id-token', /id_token/);
    });

    it('garbage and error answer what they say; only the token endpoint is affected', async () => {
      const { back, verifier } = await authorize(up, config);
      up.tamper('garbage');
      const garbage = await rawExchange(up, back, verifier);
      expect(garbage.status).toBe(200);
      await expect(garbage.json()).rejects.toThrow();
      await expect(client.discovery(new URL(up.issuer), 'rp', 's3cret', undefined, insecure)).resolves.toBeTruthy();
      up.tamper('error');
      const error = await rawExchange(up, back, verifier);
      expect([error.status, await error.json()]).toEqual([400, { error: 'invalid_grant', error_description: 'grant request is invalid' }]);
      up.tamper('none');
      expect((await rawExchange(up, back, verifier)).status).toBe(200);
      await grantRejects('garbage', /JSON|parse|content-type/i);
      await grantRejects('error', / invalid_grant /);
    });

    it('down drops the connection; slow holds the answer until the client gives up or the upstream closes', async () => {
      const { back, verifier } = await authorize(up, config);
      up.tamper('down');
      await expect(rawExchange(up, back, verifier)).rejects.toThrow(/fetch failed/);
      up.tamper('slow');
      await expect(rawExchange(up, back, verifier, 's3cret', AbortSignal.timeout(300))).rejects.toThrow(/timeout|aborted/i);
      up.tamper('none');

      const lone = await startOidcUpstream();
      lone.addClient({ client_id: 'rp', client_secret: 's3cret', redirect_uris: [CB] });
      lone.addUser(ALICE);
      const cfg = await client.discovery(new URL(lone.issuer), 'rp', 's3cret', undefined, insecure);
      const flow = await authorize(lone, cfg);
      lone.tamper('slow');
      const started = Date.now();
      const pending = rawExchange(lone, flow.back, flow.verifier);
      await new Promise((r) => setTimeout(r, 200));
      await lone.close();
      await expect(pending).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });
});

describe('OIDC upstream as Keycloak and as Apple', () => {
  it('serves a realm path with Keycloak endpoints and records back-channel logouts (which revoke)', async () => {
    const kc = await startOidcUpstream({ realmPath: '/auth/realms/test' });
    kc.addClient({ client_id: 'rp', client_secret: 's3cret', redirect_uris: [CB] });
    kc.addUser(ALICE);
    expect(kc.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/auth\/realms\/test$/);
    const config = await client.discovery(new URL(kc.issuer), 'rp', 's3cret', undefined, insecure);
    const meta = config.serverMetadata();
    expect(meta.issuer).toBe(kc.issuer);
    expect(meta.token_endpoint).toBe(`${kc.issuer}/protocol/openid-connect/token`);
    expect(meta.end_session_endpoint).toBe(`${kc.issuer}/protocol/openid-connect/logout`);
    const { back, checks } = await authorize(kc, config);
    const tokens = await client.authorizationCodeGrant(config, back, checks);
    expect(tokens.claims()?.email).toBe(ALICE.email);
    await expect(client.fetchUserInfo(config, tokens.access_token, 'alice')).resolves.toMatchObject({ email: ALICE.email });

    const logout = (auth: string) =>
      fetch(`${kc.issuer}/protocol/openid-connect/logout`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}` }, body: new URLSearchParams({ refresh_token: tokens.refresh_token ?? '' }) });
    expect((await logout('rp:wrong')).status).toBe(401);
    expect((await logout('rp:s3cret')).status).toBe(204);
    expect(kc.logouts).toEqual([
      { endpoint: 'logout', refreshToken: tokens.refresh_token, authorization: `Basic ${Buffer.from('rp:wrong').toString('base64')}`, status: 401 },
      { endpoint: 'logout', refreshToken: tokens.refresh_token, authorization: `Basic ${Buffer.from('rp:s3cret').toString('base64')}`, status: 204 },
    ]);
    expect(await failure(client.refreshTokenGrant(config, tokens.refresh_token ?? ''))).toMatch(/ invalid_grant /);
    expect((await fetch(`${kc.issuer}/protocol/openid-connect/logout`)).status).toBe(200);
  });

  it("accepts Apple's ES256 client-secret JWT from the registered key only", async () => {
    const apple = await startOidcUpstream();
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    apple.addClient({ client_id: 'com.example.web', redirect_uris: [CB], apple: { teamId: 'TEAM123', keyId: 'KEY123', publicKey: await exportSPKI(publicKey) } });
    apple.addUser(ALICE);
    const secret = async (key: CryptoKey, kid = 'KEY123') =>
      new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid }).setIssuer('TEAM123').setSubject('com.example.web')
        .setAudience('https://appleid.apple.com').setIssuedAt().setExpirationTime('5m').sign(key);
    const exchange = async (clientSecret: string) => {
      const config = await client.discovery(new URL(apple.issuer), 'com.example.web', undefined, client.ClientSecretPost(clientSecret), insecure);
      // As Apple is asked for a name and an email: scope `name email`, answer posted back (login() turns it into a query).
      const { back, checks } = await authorize(apple, config, 'openid name email', { response_mode: 'form_post' });
      return client.authorizationCodeGrant(config, back, checks);
    };
    const tokens = await exchange(await secret(privateKey));
    expect(tokens.claims()).toMatchObject({ sub: 'alice', email: ALICE.email, email_verified: true });
    expect(apple.seen.authorize.at(-1)?.get('response_mode')).toBe('form_post');
    const stranger = await generateKeyPair('ES256');
    expect(await failure(exchange(await secret(stranger.privateKey)))).toMatch(/ invalid_client /);
    expect(await failure(exchange(await secret(privateKey, 'OTHER')))).toMatch(/ invalid_client /);
  });
});

describe.each([
  ['github', '583231', 'read:user user:email', '', { login: 'alice', id: 583231, name: 'Alice Liddell', email: 'alice@example.com' }],
  ['facebook', '10158000000000001', 'email public_profile', '#_=_', { id: '10158000000000001', name: 'Alice Liddell', email: 'alice@example.com' }],
  ['instagram', '17841405793187218', 'user_profile', '#_', { id: '17841405793187218', username: 'alice' }],
] as const)('%s upstream', (kind: OAuth2Kind, id, scope, fragment, profile) => {
  let up: OAuth2Upstream;
  beforeAll(async () => {
    up = await startOAuth2Upstream(kind);
    up.addClient({ client_id: 'app', client_secret: 'shh', redirect_uris: [CB] });
    up.addUser({ id, login: 'alice', name: 'Alice Liddell', email: 'alice@example.com', emailVerified: true });
  });
  const authorizeUrl = (extra: Record<string, string> = {}) => {
    const url = new URL(up.authorizationUrl);
    for (const [k, v] of Object.entries({ client_id: 'app', redirect_uri: CB, response_type: 'code', scope, state: 'st', ...extra })) url.searchParams.set(k, v);
    return url.href;
  };
  /** The token request each provider documents: GitHub POST asking for JSON, Facebook GET, Instagram POST form. */
  const exchange = (code: string, extra: Record<string, string> = {}) => {
    const p = new URLSearchParams({ client_id: 'app', client_secret: 'shh', redirect_uri: CB, code, ...(kind === 'instagram' ? { grant_type: 'authorization_code' } : {}), ...extra });
    if (kind === 'facebook') return fetch(`${up.tokenUrl}?${p}`);
    return fetch(up.tokenUrl, { method: 'POST', body: p, headers: kind === 'github' ? { accept: 'application/json' } : {} });
  };
  const codeFor = async (extra: Record<string, string> = {}) => new URL(await up.login(authorizeUrl(extra), id)).searchParams.get('code') ?? '';

  it('runs the code flow with PKCE to the profile API, in the provider\'s shapes', async () => {
    const verifier = client.randomPKCECodeVerifier();
    const back = await up.login(authorizeUrl({ code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' }), id);
    expect(back).toMatch(new RegExp(`^${CB}\\?code=\\w+&state=st${fragment.replace(/[#_=]/g, (c) => `\\${c}`)}$`));
    const res = await exchange(new URL(back).searchParams.get('code') ?? '', { code_verifier: verifier });
    const raw = await res.text();
    expect(res.status).toBe(200);
    if (kind === 'instagram') expect(raw).toContain(`"user_id":${id}`);
    const token = (JSON.parse(raw) as { access_token: string }).access_token;
    const fields = kind === 'facebook' ? '?fields=id,name,email' : kind === 'instagram' ? '?fields=id,username' : '';
    const me = await fetch(up.profileUrl + fields, { headers: { authorization: `Bearer ${token}` } });
    expect(await me.json()).toMatchObject(profile);
    if (kind === 'github') {
      const emails = await (await fetch(up.emailsUrl ?? '', { headers: { authorization: `token ${token}` } })).json();
      expect(emails).toEqual([
        { email: '583231+alice@users.noreply.github.com', primary: false, verified: true, visibility: null },
        { email: 'alice@example.com', primary: true, verified: true, visibility: 'private' },
      ]);
      expect((await fetch(up.profileUrl, { headers: { authorization: `Bearer ${token}`, 'user-agent': '' } })).status).toBe(403);
      const form = await fetch(up.tokenUrl, { method: 'POST', body: new URLSearchParams({ client_id: 'app', client_secret: 'shh', code: await codeFor() }) });
      expect(new URLSearchParams(await form.text()).get('token_type')).toBe('bearer');
    }
    if (kind !== 'github') expect(await (await fetch(`${up.profileUrl}${fields}&access_token=${token}`)).json()).toMatchObject(profile);
  });

  it('works with openid-client as a plain OAuth2 server (Instagram\'s answer has no token_type, which it refuses)', async () => {
    const config = new client.Configuration({ issuer: up.base, authorization_endpoint: up.authorizationUrl, token_endpoint: up.tokenUrl }, 'app', 'shh');
    client.allowInsecureRequests(config);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: CB, scope, state, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const grant = client.authorizationCodeGrant(config, new URL(await up.login(url.href, id)), { pkceCodeVerifier: verifier, expectedState: state });
    if (kind === 'instagram') expect(await failure(grant)).toMatch(/token_type/);
    else expect((await grant).access_token).toBeTruthy();
  });

  it('refuses a wrong verifier, a spent code, a wrong secret and another redirect_uri', async () => {
    const refused = async (res: Response) => {
      const text = await res.text();
      expect(text).not.toMatch(/access_token/);
      return kind === 'github' ? [res.status, (JSON.parse(text) as { error: string }).error] : [res.status];
    };
    const challenge = { code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256' };
    expect(await refused(await exchange(await codeFor(challenge), { code_verifier: client.randomPKCECodeVerifier() }))).toEqual(kind === 'github' ? [200, 'bad_verification_code'] : [400]);
    expect(await refused(await exchange(await codeFor(challenge)))).toEqual(kind === 'github' ? [200, 'bad_verification_code'] : [400]);
    const code = await codeFor();
    expect((await exchange(code)).status).toBe(200);
    expect(await refused(await exchange(code))).toEqual(kind === 'github' ? [200, 'bad_verification_code'] : [400]);
    expect(await refused(await exchange(await codeFor(), { client_secret: 'nope' }))).toEqual(kind === 'github' ? [200, 'incorrect_client_credentials'] : [400]);
    expect(await refused(await exchange(await codeFor(), { redirect_uri: 'http://127.0.0.1:9/elsewhere' }))).toEqual(kind === 'github' ? [200, 'redirect_uri_mismatch'] : [400]);
    const bad = await fetch(up.profileUrl, { headers: { authorization: 'Bearer not-a-token' } });
    expect(bad.status).toBe(kind === 'github' ? 401 : 400);
  });

  it('refuses unknown clients, unregistered redirect URIs and users at the authorization page; Cancel comes back as access_denied', async () => {
    await expect(up.login(authorizeUrl({ client_id: 'who' }), id)).rejects.toThrow(/400/);
    await expect(up.login(authorizeUrl({ redirect_uri: 'http://127.0.0.1:9/elsewhere' }), id)).rejects.toThrow(/400/);
    await expect(up.login(authorizeUrl(), 'nobody')).rejects.toThrow(/400/);
    const page = await fetch(authorizeUrl());
    const action = /action="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    const params = new URLSearchParams(new URL(authorizeUrl()).searchParams);
    params.set('decision', 'deny');
    const denied = await fetch(new URL(action, up.base), { method: 'POST', body: params, redirect: 'manual' });
    const back = new URL(denied.headers.get('location') ?? '');
    expect([back.searchParams.get('error'), back.searchParams.get('state'), back.searchParams.has('code')]).toEqual(['access_denied', 'st', false]);
  });

  it('tamper: garbage, error, slow and down at the token endpoint only', async () => {
    up.tamper('garbage');
    const garbage = await exchange(await codeFor());
    expect(garbage.status).toBe(200);
    await expect(garbage.json()).rejects.toThrow();
    up.tamper('error');
    const error = await exchange(await codeFor());
    const body = (await error.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty('access_token');
    expect(kind === 'github' ? body.error : error.status).toBe(kind === 'github' ? 'bad_verification_code' : 400);
    up.tamper('down');
    await expect(exchange(await codeFor())).rejects.toThrow(/fetch failed/);
    up.tamper('slow');
    const code = await codeFor();
    const started = Date.now();
    const pending = exchange(code);
    await new Promise((r) => setTimeout(r, 200));
    await up.close();
    await expect(pending).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
