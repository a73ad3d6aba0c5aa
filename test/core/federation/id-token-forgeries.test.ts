import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSecretKey } from 'node:crypto';
import { base64url, exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { startServer, type TestServer } from '../../support/server.js';
import { closeAllUpstreams } from '../../support/upstreams/index.js';
import { listen, track } from '../../support/upstreams/http.js';
import { callbackOf, codeOf, counts } from './support.js';

// Attacks on id_token verification, by a token endpoint that answers forged id_tokens (a
// man in the middle of a provider that is not, or a provider that lies about another one):
// `alg: none`; HS256 keyed by the client secret (which the attacker may know: it is in every
// config of a public client); a key of the attacker's own embedded in the header (`jwk`) or
// a `kid` the provider does not have; a token of another issuer; a token for another client
// too (two audiences, no `azp`); a token signed with the provider's key that expired long ago
// or was minted for another sign-in (nonce). Each must fail with upstream_rejected, write nothing.

const CLIENT = { id: 'forge-client', secret: 'forge-secret-known-to-everyone' };

type Forgery = 'honest' | 'alg-none' | 'hs256-client-secret' | 'embedded-jwk' | 'unknown-kid' | 'other-issuer' | 'extra-audience' | 'expired' | 'other-nonce';

async function forgingProvider() {
  const honest = await generateKeyPair('RS256');
  const mallory = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(honest.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const state = { mode: 'honest' as Forgery, nonce: '' };
  let issuer = '';

  async function idToken(): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims: JWTPayload = { nonce: state.nonce, email: 'victim@example.com', email_verified: true };
    const jwt = (c: JWTPayload = claims) => new SignJWT(c).setIssuer(issuer).setAudience(CLIENT.id).setSubject('victim').setIssuedAt(now).setExpirationTime(now + 300);
    switch (state.mode) {
      case 'alg-none': {
        const enc = (o: unknown) => base64url.encode(JSON.stringify(o));
        return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ ...claims, iss: issuer, aud: CLIENT.id, sub: 'victim', iat: now, exp: now + 300 })}.`;
      }
      case 'hs256-client-secret':
        return jwt().setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(createSecretKey(Buffer.from(CLIENT.secret)));
      case 'embedded-jwk':
        return jwt().setProtectedHeader({ alg: 'RS256', jwk: await exportJWK(mallory.publicKey) }).sign(mallory.privateKey);
      case 'unknown-kid':
        return jwt().setProtectedHeader({ alg: 'RS256', kid: 'mallory' }).sign(mallory.privateKey);
      case 'other-issuer':
        return jwt().setIssuer('https://accounts.example.org').setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(honest.privateKey);
      case 'extra-audience':
        return jwt().setAudience([CLIENT.id, 'someone-else']).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(honest.privateKey);
      case 'expired':
        return jwt().setIssuedAt(now - 7200).setExpirationTime(now - 3600).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(honest.privateKey);
      case 'other-nonce':
        return jwt({ ...claims, nonce: 'from-another-sign-in' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(honest.privateKey);
      default:
        return jwt().setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(honest.privateKey);
    }
  }

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    for await (const _ of req);
    const json = (body: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (path.endsWith('openid-configuration')) {
      // It even advertises the symmetric and `none` algorithms: verification must not follow it.
      return json({ issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`, response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256', 'HS256', 'none'], code_challenge_methods_supported: ['S256'] });
    }
    if (path === '/jwks') return json({ keys: [jwk] });
    if (path === '/token') return json({ access_token: 'at', token_type: 'Bearer', id_token: await idToken() });
    res.writeHead(404).end();
  };
  const { port, close } = await listen(handler);
  issuer = `http://127.0.0.1:${port}`;
  track(close);
  return { issuer, state };
}

describe('federation: forged id_tokens', () => {
  let srv: TestServer;
  let op: Awaited<ReturnType<typeof forgingProvider>>;

  beforeAll(async () => {
    op = await forgingProvider();
    srv = await startServer({ oidcProviders: [{ id: 'forge', clientid: CLIENT.id, clientsecret: CLIENT.secret, issuer: op.issuer }], federationTimeoutMs: 5000 });
  });
  afterAll(async () => {
    await srv?.close();
    await closeAllUpstreams();
  });

  async function signInWith(mode: Forgery) {
    op.state.mode = mode;
    const started = await srv.core.federation.start({ provider: 'forge', redirectUri: callbackOf(srv, 'forge'), context: {} });
    op.state.nonce = new URL(started.url).searchParams.get('nonce') ?? '';
    const done = await srv.core.federation.finish({ provider: 'forge', params: { code: 'c', state: started.state } });
    return srv.core.federation.resolve(done.profile, { signup: true, dialect: 'simple' });
  }

  it('signs in with an honest id_token (the harness works)', async () => {
    const r = await signInWith('honest');
    expect(r.account.email).toBe('victim@example.com');
    await srv.core.accounts.remove(r.account);
  });

  it.each(['alg-none', 'hs256-client-secret', 'embedded-jwk', 'unknown-kid', 'other-issuer', 'extra-audience', 'expired', 'other-nonce'] as const)('refuses an id_token forged by %s (upstream_rejected), writing nothing', async (mode) => {
    const before = await counts(srv);
    expect(await codeOf(signInWith(mode))).toBe('upstream_rejected');
    expect(await counts(srv)).toEqual(before);
  });
});
