import { jwtVerify } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, describeDb, startServer, type TestServer } from '../../support/server.js';
import type { UserRow } from '../../../src/store/users.js';
import { CLIENTS, oauth2Calls, oauthError, REDIRECT, s256, sleep } from './fixtures.js';

/**
 * simple-auth's OAuth2 provider, grant by grant: the single-issue client, the oauthService unit
 * facts, and the additions (several redirect URIs, PKCE, HTTP Basic, hashed storage, one
 * exchange per code, audit).
 */

let srv: TestServer;
let req: ReturnType<typeof client>;
let user: UserRow;
let priv: Record<string, string>;
const { token, info, grant } = oauth2Calls(() => req, () => priv);

await describeDb('simple dialect: OAuth2 provider', () => {
  beforeAll(async () => {
    srv = await startServer({ apiExternal: true, apiSharedSecret: 'super-secret', oauth2AllowCredentials: true, oauth2Clients: CLIENTS });
    req = client(srv.url);
    user = await srv.core.accounts.create({ username: 'authtest', password: 'test-pass', email: 'tps2@example.com' });
    priv = { authorization: 'SharedKey super-secret', 'x-account-uuid': user.uuid };
  });
  afterAll(async () => srv?.close());

  // ---- singleissue (tokenexpiresseconds 1, reusetoken false) ----
  it('single-issue client: refresh, expiry, revocation of old tokens', async () => {
    const si = { client_id: 'singleissue', client_secret: 'si-secret' };
    const p = await token({ grant_type: 'password', ...si, username: 'authtest', password: 'test-pass', scope: 'name' });
    expect(p.status).toBe(200);
    expect(p.body.access_token).toBeTruthy();
    expect(p.body.refresh_token).toBeTruthy();
    expect(p.body.id_token).toBeUndefined();
    const rt = p.body.refresh_token as string;
    expect((await info(rt)).active).toBe(true);
    const r1 = await token({ grant_type: 'refresh_token', ...si, refresh_token: rt });
    expect(r1.body.access_token).toBeTruthy();
    expect(r1.body.refresh_token).toBeUndefined();
    expect((await info(r1.body.access_token)).active).toBe(true);
    await sleep(1200);
    expect((await info(r1.body.access_token)).active).toBe(false);
    const a = await token({ grant_type: 'refresh_token', ...si, refresh_token: rt });
    const b = await token({ grant_type: 'refresh_token', ...si, refresh_token: rt });
    expect((await info(a.body.access_token)).active).toBe(false);
    expect((await info(b.body.access_token)).active).toBe(true);
    const again = await token({ grant_type: 'password', ...si, username: 'authtest', password: 'test-pass', scope: 'name' });
    expect(again.status).toBe(200);
    oauthError(await token({ grant_type: 'refresh_token', ...si, refresh_token: rt }), 'server_error');
    expect((await info(rt)).active).toBe(false);
    expect((await info(b.body.access_token)).active).toBe(false);
    expect((await info(again.body.access_token)).active).toBe(true);
  });

  // ---- pkg/services/oauthService_test.go facts ----
  it('two codes: exchanging the first invalidates the second (reusetoken off)', async () => {
    const g1 = await grant({ client_id: 'noreuse', response_type: 'code', redirect_uri: REDIRECT, scope: 'email user' });
    const g2 = await grant({ client_id: 'noreuse', response_type: 'code', redirect_uri: REDIRECT, scope: 'email user' });
    expect(g1.status).toBe(200);
    // The original introspected codes too; Gatehouse does not (a code is a few guessable digits).
    expect(await info(g1.body.code)).toEqual({ active: false });
    const ex = { grant_type: 'authorization_code', client_id: 'noreuse', client_secret: 'nr-secret', redirect_uri: REDIRECT };
    oauthError(await token({ ...ex, client_secret: 'wrong', code: g1.body.code }), 'server_error');
    const r1 = await token({ ...ex, code: g1.body.code });
    expect(r1.status).toBe(200);
    expect(r1.body.expires_in).toBeGreaterThan(0);
    expect(r1.body.scope).toBe('email user');
    const { payload } = await jwtVerify(r1.body.id_token, new TextEncoder().encode('this-is-a-test-key'));
    expect(payload.email).toBe('tps2@example.com');
    expect((await info(r1.body.access_token)).email).toBe('tps2@example.com');
    oauthError(await token({ ...ex, code: g2.body.code }), 'server_error');
    oauthError(await grant({ client_id: 'noreuse', response_type: 'code', redirect_uri: REDIRECT, scope: 'email user admin' }), 'invalid_scope');
  });

  it('username scope: id_token name and introspection username', async () => {
    const r = await token({ grant_type: 'password', client_id: 'testid', client_secret: 'client-secret', username: 'authtest', password: 'test-pass', scope: 'username' });
    const { payload } = await jwtVerify(r.body.id_token, new TextEncoder().encode('this-is-a-test-key'));
    expect(payload.name).toBe('authtest');
    expect(Object.keys(payload)).toEqual(['aud', 'exp', 'iss', 'sub', 'name']);
    expect((await info(r.body.access_token)).username).toBe('authtest');
  });

  // ---- additions ----
  it('several redirect URIs; a code is bound to the one it was granted for', async () => {
    const other = 'http://other.example.com/cb';
    const g = await grant({ client_id: 'noreuse', response_type: 'code', redirect_uri: other });
    expect(g.status).toBe(200);
    const ex = { grant_type: 'authorization_code', client_id: 'noreuse', client_secret: 'nr-secret' };
    oauthError(await token({ ...ex, code: g.body.code, redirect_uri: 'http://x.example.com' }), 'unauthorized_client');
    oauthError(await token({ ...ex, code: g.body.code, redirect_uri: REDIRECT }), 'invalid_grant');
    const g2 = await grant({ client_id: 'noreuse', response_type: 'code', redirect_uri: other });
    expect((await token({ ...ex, code: g2.body.code, redirect_uri: other })).status).toBe(200);
  });

  it('PKCE is required for a public client; S256 verifier checked', async () => {
    const spa = { client_id: 'spa', response_type: 'code', redirect_uri: 'http://spa.example.com/cb', scope: 'a' };
    oauthError(await grant(spa), 'invalid_request');
    const verifier = 'v'.repeat(20) + 'abcdefghijklmnopqrstuvwxyz0123';
    oauthError(await grant({ ...spa, code_challenge: s256(verifier), code_challenge_method: 'plain' }), 'invalid_request');
    const ex = { grant_type: 'authorization_code', client_id: 'spa', redirect_uri: 'http://spa.example.com/cb' };
    const g1 = await grant({ ...spa, code_challenge: s256(verifier), code_challenge_method: 'S256' });
    expect(g1.status).toBe(200);
    oauthError(await token({ ...ex, code: g1.body.code, code_verifier: 'w'.repeat(50) }), 'invalid_grant');
    const g2 = await grant({ ...spa, code_challenge: s256(verifier), code_challenge_method: 'S256' });
    oauthError(await token({ ...ex, code: g2.body.code }), 'invalid_grant');
    const g3 = await grant({ ...spa, code_challenge: s256(verifier), code_challenge_method: 'S256' });
    const ok = await token({ ...ex, code: g3.body.code, code_verifier: verifier });
    expect(ok.status).toBe(200);
    expect(ok.body.access_token).toBeTruthy();
    // A confidential client may use PKCE too.
    const g4 = await grant({ client_id: 'noreuse', response_type: 'code', redirect_uri: REDIRECT, code_challenge: s256(verifier), code_challenge_method: 'S256' });
    oauthError(await token({ grant_type: 'authorization_code', client_id: 'noreuse', client_secret: 'nr-secret', redirect_uri: REDIRECT, code: g4.body.code, code_verifier: 'x'.repeat(43) }), 'invalid_grant');
  });

  it('client_secret_basic authenticates the client; form bodies work', async () => {
    const g = await grant({ client_id: 'noreuse', response_type: 'code', redirect_uri: REDIRECT });
    const basic = `Basic ${Buffer.from('noreuse:nr-secret').toString('base64')}`;
    const r = await req('POST', '/api/v1/auth/oauth2/token', { form: { grant_type: 'authorization_code', code: g.body.code, redirect_uri: REDIRECT }, headers: { authorization: basic } });
    expect(r.status).toBe(200);
    expect(r.body.access_token).toBeTruthy();
    expect(r.headers.get('cache-control')).toBe('no-store');
    const bad = `Basic ${Buffer.from('noreuse:wrong').toString('base64')}`;
    const g2 = await grant({ client_id: 'noreuse', response_type: 'code', redirect_uri: REDIRECT });
    oauthError(await req('POST', '/api/v1/auth/oauth2/token', { form: { grant_type: 'authorization_code', code: g2.body.code, redirect_uri: REDIRECT }, headers: { authorization: bad } }), 'server_error');
  });

  it('tokens are stored hashed: no raw token in the table', async () => {
    const r = await token({ grant_type: 'password', client_id: 'noreuse', client_secret: 'nr-secret', username: 'authtest', password: 'test-pass' });
    const g = await grant({ client_id: 'noreuse', response_type: 'code', redirect_uri: REDIRECT });
    const rows = await srv.store.db.selectFrom('oauth_tokens').selectAll().execute();
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(r.body.access_token);
    expect(dump).not.toContain(r.body.refresh_token);
    expect(rows.some((row) => row.type === 'code' && row.token_enc === null && row.short === g.body.code.slice(0, 5))).toBe(true);
  });

  it('a code is consumed by exactly one of concurrent exchanges', async () => {
    const g = await grant({ client_id: 'noreuse', response_type: 'code', redirect_uri: REDIRECT });
    const ex = { grant_type: 'authorization_code', client_id: 'noreuse', client_secret: 'nr-secret', redirect_uri: REDIRECT, code: g.body.code };
    const rs = await Promise.all([token(ex), token(ex), token(ex), token(ex)]);
    expect(rs.filter((r) => r.status === 200)).toHaveLength(1);
  });

  it('issued tokens are audited', async () => {
    const recs = (await srv.core.audit.forUser(user.id, 500, 0)).map((r) => `${r.module}:${r.message}`);
    expect(recs).toContain('auth:oauth2:Issued OAuth2 code');
    expect(recs).toContain('auth:oauth2:Issued OAuth2 access_token');
    expect(recs).toContain('auth:oauth2:Issued OAuth2 refresh_token');
  });
});
