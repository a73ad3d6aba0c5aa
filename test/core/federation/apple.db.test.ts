import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeProtectedHeader, exportPKCS8, exportSPKI, generateKeyPair, jwtVerify } from 'jose';
import { startServer, type TestServer } from '../../support/server.js';
import { closeAllUpstreams, startOidcUpstream, type OidcUpstream } from '../../support/upstreams/index.js';
import { authorize, callbackOf } from './support.js';

// Sign in with Apple: an OpenID provider whose client secret is an ES256 JWT we sign with the
// key Apple issued (a .p8 PEM file), and whose answer is posted back (response_mode=form_post).

describe('Sign in with Apple', () => {
  let srv: TestServer;
  let up: OidcUpstream;
  let publicPem: string;

  beforeAll(async () => {
    up = await startOidcUpstream();
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    publicPem = await exportSPKI(publicKey);
    const keyFile = join(mkdtempSync(join(tmpdir(), 'apple-key-')), 'AuthKey_KEY123.p8');
    writeFileSync(keyFile, await exportPKCS8(privateKey));
    srv = await startServer({
      appleAuthClientId: 'com.example.web',
      appleAuthTeamId: 'TEAM123',
      appleAuthKeyId: 'KEY123',
      appleAuthPrivateKeyLocation: keyFile,
      appleAuthIssuer: up.issuer,
    });
    up.addClient({ client_id: 'com.example.web', redirect_uris: [callbackOf(srv, 'apple')], apple: { teamId: 'TEAM123', keyId: 'KEY123', publicKey: publicPem, audience: up.issuer } });
  });
  afterAll(async () => {
    await srv?.close();
    await closeAllUpstreams();
  });

  it('asks for name and email with response_mode=form_post, and signs the client secret as Apple requires', async () => {
    up.addUser({ sub: '001234.abcdef', email: 'ann@privaterelay.appleid.com', email_verified: true });
    const { params } = await authorize(srv, up, 'apple', '001234.abcdef');
    const sent = up.seen.authorize.at(-1);
    expect(sent?.get('response_mode')).toBe('form_post');
    expect(sent?.get('scope')).toBe('openid name email');

    // Apple posts the name once, as the unsigned form field `user`.
    const done = await srv.core.federation.finish({ provider: 'apple', params: { ...params, user: JSON.stringify({ name: { firstName: 'Ann', lastName: 'Apple' }, email: 'someone-else@example.com' }) } });
    expect(done.profile).toMatchObject({ provider: 'apple', subject: '001234.abcdef', email: 'ann@privaterelay.appleid.com', emailVerified: true, givenName: 'Ann', familyName: 'Apple', name: 'Ann Apple' });

    const secret = up.seen.token.at(-1)?.get('client_secret') ?? '';
    expect(decodeProtectedHeader(secret)).toEqual({ alg: 'ES256', kid: 'KEY123' });
    const { payload } = await jwtVerify(secret, await (await import('jose')).importSPKI(publicPem, 'ES256'), { issuer: 'TEAM123', subject: 'com.example.web', audience: up.issuer, algorithms: ['ES256'] });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBeLessThanOrEqual(300);
  });

  it('counts Apple\'s string "true" as a verified email, and nothing else', async () => {
    up.addUser({ sub: 'apple-string', email: 'string@example.com', email_verified: 'true' as unknown as boolean });
    const { params } = await authorize(srv, up, 'apple', 'apple-string');
    expect((await srv.core.federation.finish({ provider: 'apple', params })).profile.emailVerified).toBe(true);
    up.addUser({ sub: 'apple-false', email: 'false@example.com', email_verified: 'false' as unknown as boolean });
    const second = await authorize(srv, up, 'apple', 'apple-false');
    expect((await srv.core.federation.finish({ provider: 'apple', params: second.params })).profile.emailVerified).toBe(false);
  });
});
