import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { startServer, type TestServer } from '../../support/server.js';
import { closeAllUpstreams } from '../../support/upstreams/index.js';
import { listen, track } from '../../support/upstreams/http.js';
import { callbackOf, codeOf } from './support.js';

// Attack: SSRF through a provider's discovery document. Plain http is allowed to loopback so
// that tests and local development work; but a remote (https) provider that turns hostile can
// publish a discovery document whose token or userinfo endpoint is http://127.0.0.1:<port>/…,
// and Gatehouse would POST the callback's (attacker-chosen) code there, and GET with a bearer
// token, reaching services that listen only on the server's own loopback interface. Loopback
// endpoints are for a provider that is itself on loopback (or set so in the configuration).

const FIELDS = ['token_endpoint', 'userinfo_endpoint', 'jwks_uri'] as const;
const PROVIDERS = [...FIELDS, 'none'];
/** One remote provider per case: each keeps its discovery document a few minutes. */
const issuerOf = (field: string) => `https://${field.replace(/_/g, '-')}.example.test`;

describe('federation: a remote discovery document pointing at loopback', () => {
  let srv: TestServer;
  let internal: { url: string; hits: string[] };
  let signingKey: CryptoKey;
  let publicJwk: Record<string, unknown>;

  beforeAll(async () => {
    const hits: string[] = [];
    const { port, close } = await listen(async (req, res) => {
      hits.push(`${req.method} ${req.url}`);
      for await (const _ of req);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    track(close);
    internal = { url: `http://127.0.0.1:${port}`, hits };
    const pair = await generateKeyPair('RS256');
    signingKey = pair.privateKey;
    publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    srv = await startServer({
      oidcProviders: PROVIDERS.map((f) => ({ id: f.replace(/_/g, '-'), clientid: 'remote-client', clientsecret: 'remote-secret', issuer: issuerOf(f) })),
      federationTimeoutMs: 3000,
    });
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(async () => {
    await srv?.close();
    await closeAllUpstreams();
  });

  const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });

  /** The remote provider (answered here: it is not on this machine), with `field` sent to the loopback service. */
  function hostileRemote(field: string, nonce: () => string) {
    const issuer = issuerOf(field);
    const doc = {
      issuer,
      authorization_endpoint: `${issuer}/auth`,
      token_endpoint: `${issuer}/token`,
      userinfo_endpoint: `${issuer}/me`,
      jwks_uri: `${issuer}/jwks`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      ...(field !== 'none' && { [field]: `${internal.url}/admin/${field}` }),
    };
    const real = globalThis.fetch;
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (!url.startsWith(issuer)) return real(input, init);
      if (url.endsWith('/openid-configuration')) return json(doc);
      if (url.endsWith('/jwks')) return json({ keys: [publicJwk] });
      if (url.endsWith('/me')) return json({ sub: 'victim', email: 'v@example.com' });
      // The token answer: an id_token without email, so that userinfo is asked too.
      const now = Math.floor(Date.now() / 1000);
      const idToken = await new SignJWT({ nonce: nonce() }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(issuer).setAudience('remote-client').setSubject('victim').setIssuedAt(now).setExpirationTime(now + 300).sign(signingKey);
      return json({ access_token: 'at', token_type: 'Bearer', id_token: idToken });
    });
  }

  /** A sign-in through the remote provider whose `field` is on loopback ('none': none is). */
  async function signInThrough(field: string) {
    let nonce = '';
    hostileRemote(field, () => nonce);
    const provider = field.replace(/_/g, '-');
    const s = await srv.core.federation.start({ provider, redirectUri: callbackOf(srv, provider), context: {} });
    nonce = new URL(s.url).searchParams.get('nonce') ?? '';
    return srv.core.federation.finish({ provider, params: { code: 'attacker-chosen', state: s.state } });
  }

  it('signs in through the remote provider when it stays remote (the harness works)', async () => {
    expect((await signInThrough('none')).profile).toMatchObject({ subject: 'victim', email: 'v@example.com' });
  });

  it.each(FIELDS)('refuses a %s on http loopback (upstream_failed), calling nothing there', async (field) => {
    internal.hits.length = 0;
    expect(await codeOf(signInThrough(field))).toBe('upstream_failed');
    expect(internal.hits).toEqual([]);
  });
});
