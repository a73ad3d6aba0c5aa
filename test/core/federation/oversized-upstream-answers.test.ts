import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { startServer, type TestServer } from '../../support/server.js';
import { closeAllUpstreams, startOAuth2Upstream, type OAuth2Upstream } from '../../support/upstreams/index.js';
import { listen, track } from '../../support/upstreams/http.js';
import { callbackOf, codeOf } from './support.js';

// Attack: a hostile (or compromised) provider answers a discovery, token, key-set, userinfo or
// profile request with an endless body. Without a bound on what is read, each sign-in through
// it buffers as much as the provider sends within FEDERATION_TIMEOUT_MS (gigabytes over a fast
// link): a few concurrent sign-ins exhaust the server's memory. Every answer must be cut short.

const OFFERED = 96 * 1024 * 1024;
/** What may have left the provider's socket before we hung up: our cap plus socket buffers. */
const READ_AT_MOST = 16 * 1024 * 1024;

type Part = 'discovery' | 'token' | 'jwks' | 'userinfo';

/** An OpenID provider whose `huge` part streams JSON-looking bytes forever; records how many it sent. */
async function hostileProvider() {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const state = { huge: undefined as Part | undefined, sent: 0, nonce: '', withEmail: true };
  let issuer = '';

  async function flood(res: ServerResponse): Promise<void> {
    state.sent = 0;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"a":"');
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let closed = false;
    res.on('close', () => (closed = true));
    while (!closed && state.sent < OFFERED) {
      state.sent += chunk.length;
      if (!res.write(chunk)) await new Promise((r) => { res.once('drain', r); res.once('close', r); });
    }
    res.end('"}');
  }

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', issuer).pathname;
    const part: Part | undefined = path.endsWith('openid-configuration') ? 'discovery' : path === '/token' ? 'token' : path === '/jwks' ? 'jwks' : path === '/me' ? 'userinfo' : undefined;
    if (part && part === state.huge) return flood(res);
    const json = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (part === 'discovery') {
      return json({ issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`, userinfo_endpoint: `${issuer}/me`, response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'], code_challenge_methods_supported: ['S256'], token_endpoint_auth_methods_supported: ['client_secret_post'] });
    }
    if (part === 'jwks') return json({ keys: [jwk] });
    if (part === 'userinfo') return json({ sub: 'huge-1', email: 'huge@example.com', email_verified: true });
    if (part === 'token') {
      for await (const _ of req);
      const now = Math.floor(Date.now() / 1000);
      const claims = { nonce: state.nonce, ...(state.withEmail && { email: 'huge@example.com', email_verified: true }) };
      const idToken = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(issuer).setAudience('huge-client').setSubject('huge-1').setIssuedAt(now).setExpirationTime(now + 300).sign(privateKey);
      return json({ access_token: 'at-huge', token_type: 'Bearer', expires_in: 300, id_token: idToken });
    }
    res.writeHead(404).end();
  };
  const { port, close } = await listen(handler);
  issuer = `http://127.0.0.1:${port}`;
  track(close);
  return { issuer, state };
}

describe('federation: oversized answers of a hostile provider', () => {
  let srv: TestServer;
  let op: Awaited<ReturnType<typeof hostileProvider>>;
  let gh: OAuth2Upstream;

  beforeAll(async () => {
    op = await hostileProvider();
    gh = await startOAuth2Upstream('github');
    srv = await startServer({
      oidcProviders: [{ id: 'huge', clientid: 'huge-client', clientsecret: 'huge-secret', issuer: op.issuer }],
      githubAuthClientId: 'gh-app', githubAuthClientSecret: 'gh-secret',
      githubAuthUrl: gh.authorizationUrl, githubAuthTokenUrl: gh.tokenUrl, githubAuthProfileUrl: `${op.issuer}/me`, githubAuthEmailsUrl: gh.emailsUrl ?? '',
      federationTimeoutMs: 20_000,
    });
    gh.addClient({ client_id: 'gh-app', client_secret: 'gh-secret', redirect_uris: [callbackOf(srv, 'github')] });
  });
  afterAll(async () => {
    await srv?.close();
    await closeAllUpstreams();
  });

  /** start, then the callback with a made-up code (the hostile token endpoint takes any). */
  async function finishWith(huge: Part | undefined, withEmail = true) {
    op.state.huge = undefined;
    op.state.withEmail = withEmail;
    const started = await srv.core.federation.start({ provider: 'huge', redirectUri: callbackOf(srv, 'huge'), context: {} });
    op.state.nonce = new URL(started.url).searchParams.get('nonce') ?? '';
    op.state.huge = huge;
    return srv.core.federation.finish({ provider: 'huge', params: { code: 'any', state: started.state } });
  }

  it('signs in through the provider while it behaves (the harness works)', async () => {
    const done = await finishWith(undefined);
    expect(done.profile).toMatchObject({ subject: 'huge-1', email: 'huge@example.com', emailVerified: true });
  });

  it.each(['token', 'userinfo'] as const)('stops reading an endless %s answer (upstream_failed)', async (part) => {
    const code = await codeOf(finishWith(part, part !== 'userinfo'));
    expect(code).toBe('upstream_failed');
    expect(op.state.sent).toBeLessThan(READ_AT_MOST);
  });

  /** A fresh server: the first one keeps the discovery document and the keys it already read. */
  async function fresh(work: (other: TestServer) => Promise<void>) {
    const other = await startServer({ oidcProviders: [{ id: 'huge', clientid: 'huge-client', clientsecret: 'huge-secret', issuer: op.issuer }], federationTimeoutMs: 20_000 });
    try {
      await work(other);
    } finally {
      op.state.huge = undefined;
      await other.close();
    }
  }

  it('stops reading an endless discovery document (upstream_failed)', async () => {
    await fresh(async (other) => {
      op.state.huge = 'discovery';
      expect(await codeOf(other.core.federation.start({ provider: 'huge', redirectUri: callbackOf(other, 'huge'), context: {} }))).toBe('upstream_failed');
      expect(op.state.sent).toBeLessThan(READ_AT_MOST);
    });
  });

  it('stops reading an endless key set (upstream_failed)', async () => {
    await fresh(async (other) => {
      op.state.huge = undefined;
      const started = await other.core.federation.start({ provider: 'huge', redirectUri: callbackOf(other, 'huge'), context: {} });
      op.state.nonce = new URL(started.url).searchParams.get('nonce') ?? '';
      op.state.huge = 'jwks';
      expect(await codeOf(other.core.federation.finish({ provider: 'huge', params: { code: 'any', state: started.state } }))).toBe('upstream_failed');
      expect(op.state.sent).toBeLessThan(READ_AT_MOST);
    });
  });

  it('stops reading an endless profile answer of a plain OAuth2 provider (upstream_failed)', async () => {
    gh.addUser({ id: '99', login: 'nn' });
    const started = await srv.core.federation.start({ provider: 'github', redirectUri: callbackOf(srv, 'github'), context: {} });
    const back = new URL(await gh.login(started.url, '99'));
    op.state.huge = 'userinfo';
    try {
      expect(await codeOf(srv.core.federation.finish({ provider: 'github', params: Object.fromEntries(back.searchParams) }))).toBe('upstream_failed');
      expect(op.state.sent).toBeLessThan(READ_AT_MOST);
    } finally {
      op.state.huge = undefined;
    }
  });
});
