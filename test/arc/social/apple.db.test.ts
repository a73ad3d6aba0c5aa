import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describeDb, startServer, type TestServer } from '../../support/server.js';
import { arcFixture } from '../../support/fixtures/arc.js';
import { closeAllUpstreams, startOidcUpstream, type OidcUpstream } from '../../support/upstreams/index.js';
import { PUBLIC_URL, expect401, rowCounts, socialClient } from './flow.js';

/**
 * Sign in with Apple on ARC (`POST /auth/oauth-apple`, reference §6) against a real OpenID
 * provider standing in for Apple: the client secret is an ES256 JWT signed with a test key, the
 * callback comes as a posted form (response_mode=form_post) or a GET, and the redirect carries
 * WEBAPP_URL and `role`.
 */
await describeDb('arc social: Apple', () => {
  let srv: TestServer;
  let apple: OidcUpstream;
  let fx: Awaited<ReturnType<typeof arcFixture>>;
  let s: ReturnType<typeof socialClient>;
  const callback = `${PUBLIC_URL}/auth/apple-oauth-redirect`;
  const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

  beforeAll(async () => {
    apple = await startOidcUpstream();
    const publicKey = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    apple.addClient({ client_id: 'com.example.gatehouse', redirect_uris: [callback], apple: { teamId: 'TEAM123456', keyId: 'KEY1234567', publicKey, audience: apple.issuer } });
    apple.addUser({ sub: '001234.apple-user', email: 'xyz@gmail.com', email_verified: true });
    apple.addUser({ sub: '009999.apple-stranger', email: 'nobody@privaterelay.example', email_verified: true });
    srv = await startServer({
      publicUrl: PUBLIC_URL,
      appleAuthClientId: 'com.example.gatehouse',
      appleAuthTeamId: 'TEAM123456',
      appleAuthKeyId: 'KEY1234567',
      appleAuthPrivateKey: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      appleAuthIssuer: apple.issuer,
      arcWebappUrl: 'https://app.example',
    });
    fx = await arcFixture(srv.core);
    // The original prefixes WEBAPP_URL to the redirectUrl, so an Apple client's is a path.
    await srv.core.clients.update(fx.web.id, { redirectUrl: '/login/success' });
    s = socialClient(srv);
  });
  afterAll(async () => {
    await srv?.close();
    await closeAllUpstreams();
  });

  const appleCode = (location: string) => {
    expect(location).toMatch(/^https:\/\/app\.example\/login\/success\?code=[^&]+&role=/);
    return new URL(location).searchParams;
  };

  it('starts with 302 to the provider asking for name and email, answered by form_post', async () => {
    const r = await s.start('/auth/oauth-apple');
    const to = new URL(r.headers.get('location') ?? '');
    expect(to.href.startsWith(apple.issuer)).toBe(true);
    expect(to.searchParams.get('client_id')).toBe('com.example.gatehouse');
    expect(to.searchParams.get('response_mode')).toBe('form_post');
    expect(to.searchParams.get('redirect_uri')).toBe(callback);
    expect(to.searchParams.get('state')).toMatch(/^client_id=web&/);
  });

  it('has no GET start variant (as the original)', async () => {
    expect((await s.req('GET', '/auth/oauth-apple?client_id=web&client_secret=test')).status).toBe(404);
  });

  it('signs in through the posted callback: 302 WEBAPP_URL+redirectUrl?code=&role=<the access token role>', async () => {
    const w = await s.walk('/auth/oauth-apple', (url) => apple.login(url, '001234.apple-user'), 'POST');
    expect(w.callback.status, w.callback.text).toBe(302);
    const q = appleCode(w.callback.headers.get('location') ?? '');
    const { me } = await s.signIn(q.get('code') ?? '');
    expect(me).toMatchObject({ id: fx.user.uuid, username: 'test_user' });
    expect(q.get('role')).toBe(me.role);
  });

  it('sent Apple a valid client-secret JWT (ES256, iss team, sub client id, kid, aud the issuer)', async () => {
    const sent = apple.seen.token.at(-1)?.get('client_secret') ?? '';
    expect(decodeProtectedHeader(sent)).toMatchObject({ alg: 'ES256', kid: 'KEY1234567' });
    expect(decodeJwt(sent)).toMatchObject({ iss: 'TEAM123456', sub: 'com.example.gatehouse', aud: apple.issuer });
    // The upstream verified it with the public key (a bad one fails the exchange: see below).
  });

  it('also accepts the callback as a GET (the original declared it so)', async () => {
    const w = await s.walk('/auth/oauth-apple', (url) => apple.login(url, '001234.apple-user'), 'GET');
    const q = appleCode(w.callback.headers.get('location') ?? '');
    await s.signIn(q.get('code') ?? '');
  });

  it('refuses an unknown Apple user with 401 Invalid Credentials, creating nothing', async () => {
    const before = await rowCounts(srv);
    const w = await s.walk('/auth/oauth-apple', (url) => apple.login(url, '009999.apple-stranger'), 'POST');
    expect401(w.callback, 'Invalid Credentials');
    expect(await rowCounts(srv)).toEqual(before);
  });

  it('fails with a 401 when Apple refuses the client secret (signed by another key), writing nothing', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    apple.addClient({ client_id: 'com.example.gatehouse', redirect_uris: [callback], apple: { teamId: 'TEAM123456', keyId: 'KEY1234567', publicKey: other, audience: apple.issuer } });
    try {
      const before = await rowCounts(srv);
      const w = await s.walk('/auth/oauth-apple', (url) => apple.login(url, '001234.apple-user'), 'POST');
      expect(w.callback.status, w.callback.text).toBe(401);
      expect(w.callback.body.error).toMatchObject({ statusCode: 401, name: 'UnauthorizedError' });
      expect(await rowCounts(srv)).toEqual(before);
    } finally {
      const publicKey = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      apple.addClient({ client_id: 'com.example.gatehouse', redirect_uris: [callback], apple: { teamId: 'TEAM123456', keyId: 'KEY1234567', publicKey, audience: apple.issuer } });
    }
  });

  it('answers a JSON body on the posted callback with 415', async () => {
    const r = await s.req('POST', '/auth/apple-oauth-redirect', { json: { code: 'x', state: 'y' } });
    expect(r.status).toBe(415);
  });
});
