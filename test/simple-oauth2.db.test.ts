import { createHash } from 'node:crypto';
import { jwtVerify } from 'jose';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { client, describeDb, freshDatabase, startServer, type Res, type TestServer } from './support/server.js';
import { openDb } from '../src/store/db.js';
import { migrate } from '../src/store/migrations.js';
import type { UserRow } from '../src/store/users.js';
import { parseConfigClient } from '../src/core/oauth2.js';

/**
 * simple-auth's OAuth2 provider: the original's tests/api/v1/oauth2.js replayed in order, the
 * oauthService unit facts, and the additions (PKCE, HTTP Basic, hashed storage).
 */

const REDIRECT = 'http://example.com/redirect';
const CLIENTS = {
  testid: {
    secret: 'client-secret',
    name: 'Test Client',
    author: 'sa',
    authorurl: 'http://sa.com',
    redirecturi: REDIRECT,
    issuerefreshtoken: true,
    scopes: ['a', 'b', 'username'],
    oidc: { signingmethod: 'HS256', signingkey: 'this-is-a-test-key' },
  },
  singleissue: {
    secret: 'si-secret',
    name: 'Single issue',
    author: 'sa',
    authorurl: 'http://sa.com',
    redirecturi: REDIRECT,
    scopes: ['name'],
    issuerefreshtoken: true,
    tokenexpiresseconds: 1,
    reusetoken: false,
  },
  noreuse: {
    secret: 'nr-secret',
    name: 'No reuse',
    redirecturi: REDIRECT,
    redirecturis: ['http://other.example.com/cb'],
    scopes: ['email', 'user'],
    issuerefreshtoken: true,
    reusetoken: false,
    oidc: { signingmethod: 'HS256', signingkey: 'this-is-a-test-key' },
  },
  spa: { secret: '', name: 'Public SPA', redirecturi: 'http://spa.example.com/cb', scopes: ['a'], public: true },
};

let srv: TestServer;
let req: ReturnType<typeof client>;
let user: UserRow;
let priv: Record<string, string>;

const token = (body: Record<string, unknown>, headers?: Record<string, string>) => req('POST', '/api/v1/auth/oauth2/token', { json: body, headers });
const info = async (t: string) => (await req('POST', '/api/v1/auth/oauth2/token_info', { json: { token: t } })).body;
const grant = (body: Record<string, unknown>) => req('POST', '/api/v1/auth/oauth2/grant', { json: body, headers: priv });
const listTokens = async () => (await req('GET', '/api/v1/auth/oauth2', { headers: priv })).body.tokens as { client_id: string; short_token: string; type: string; created: string; expires: string }[];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const oauthError = (r: Res, error: string) => {
  expect(r.status).toBe(400);
  expect(r.body.error).toBe(error);
  expect(typeof r.body.error_description).toBe('string');
};
const s256 = (v: string) => createHash('sha256').update(v).digest('base64url');

await describeDb('simple dialect: OAuth2 provider', () => {
  beforeAll(async () => {
    srv = await startServer({ apiExternal: true, apiSharedSecret: 'super-secret', oauth2AllowCredentials: true, oauth2Clients: CLIENTS });
    req = client(srv.url);
    user = await srv.core.accounts.create({ username: 'authtest', password: 'test-pass', email: 'tps2@example.com' });
    priv = { authorization: 'SharedKey super-secret', 'x-account-uuid': user.uuid };
  });
  afterAll(async () => srv?.close());

  // ---- tests/api/v1/privateSurface.js (oauth2 rows) ----
  it('private surface: 401 without auth, 400 without payload, 200 with it', async () => {
    for (const [m, p] of [
      ['GET', '/api/v1/auth/oauth2'],
      ['POST', '/api/v1/auth/oauth2/grant'],
      ['DELETE', '/api/v1/auth/oauth2/token'],
    ] as const) {
      expect((await req(m, p)).status).toBe(401);
      expect((await req(m, p, { headers: { authorization: 'SharedKey made-up', 'x-account-uuid': user.uuid } })).status).toBe(401);
    }
    expect((await req('GET', '/api/v1/auth/oauth2', { headers: priv })).status).toBe(200);
    expect((await req('GET', '/api/v1/auth/oauth2/client', { headers: priv })).body).toEqual({ tokens: [] });
    expect((await req('POST', '/api/v1/auth/oauth2/grant', { headers: priv })).status).toBe(400);
    const del = await req('DELETE', '/api/v1/auth/oauth2/token', { headers: priv });
    expect(del.status).toBe(400);
    expect(del.body).toEqual({ error: 'invalid_request', error_description: 'Missing client_id' });
    expect((await req('DELETE', '/api/v1/auth/oauth2/token?client_id=testid', { headers: priv })).body).toEqual({ success: true });
    const g = await req('POST', `/api/v1/auth/oauth2/grant?client_id=testid&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT)}`, { headers: priv });
    expect(g.status).toBe(200);
    expect(g.body.code).toMatch(/^\d{6}$/);
    await req('DELETE', '/api/v1/auth/oauth2/token?client_id=testid', { headers: priv });
  });

  // ---- tests/api/v1/oauth2.js, in order ----
  let code = '';
  let access = '';
  let refresh = '';

  it('client info', async () => {
    const r = await req('GET', '/api/v1/auth/oauth2/client/testid');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ name: 'Test Client', author: 'sa', author_url: 'http://sa.com' });
    const nf = await req('GET', '/api/v1/auth/oauth2/client/nope');
    expect(nf.status).toBe(404);
    expect(nf.body).toEqual({ error: 'invalid_client', error_description: 'Client id not found' });
  });

  it('auto-grant before any grant is rejected; unknown client is rejected', async () => {
    const auto = await grant({ client_id: 'testid', response_type: 'code', redirect_uri: REDIRECT, scope: 'a', auto: true });
    expect(auto.body).toEqual({ error: 'invalid_grant', error_description: 'no existing token' });
    expect(auto.status).toBe(400);
    const unk = await grant({ client_id: 'bad', response_type: 'code', redirect_uri: REDIRECT });
    expect(unk.body).toEqual({ error: 'invalid_client', error_description: 'Unknown client id bad' });
  });

  it('grant checks in order', async () => {
    expect((await grant({ client_id: 'bad', response_type: 'token', redirect_uri: REDIRECT })).body).toEqual({ error: 'invalid_request', error_description: 'Expected response_type to be code' });
    expect((await grant({ client_id: 'testid', response_type: 'code', redirect_uri: 'http://evil.com' })).body).toEqual({ error: 'invalid_request', error_description: 'Unknown redirect URI' });
    const sc = await grant({ client_id: 'testid', response_type: 'code', redirect_uri: REDIRECT, scope: 'a c' });
    expect(sc.status).toBe(400);
    expect(sc.body).toEqual({ error: 'invalid_scope', error_description: 'Invalid scopes' });
  });

  it('grant issues a 6-digit code and echoes state', async () => {
    const r = await grant({ client_id: 'testid', response_type: 'code', redirect_uri: REDIRECT, scope: 'a', state: 'statetoken' });
    expect(r.status).toBe(200);
    expect(r.body.state).toBe('statetoken');
    expect(r.body.code).toHaveLength(6);
    code = r.body.code;
    const noState = await grant({ client_id: 'testid', response_type: 'code', redirect_uri: REDIRECT, scope: 'a' });
    expect(Object.keys(noState.body)).toEqual(['code']);
  });

  it('code exchange: unknown client rejected, then access, refresh and id tokens', async () => {
    const bad = await token({ grant_type: 'authorization_code', client_id: 'nope', client_secret: 'client-secret', code, redirect_uri: REDIRECT });
    oauthError(bad, 'invalid_client');
    const r = await token({ grant_type: 'authorization_code', client_id: 'testid', client_secret: 'client-secret', code, redirect_uri: REDIRECT });
    expect(r.status).toBe(200);
    expect(r.body.access_token).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.body.refresh_token).toBeTruthy();
    expect(r.body.id_token).toBeTruthy();
    expect(r.body.token_type).toBe('Bearer');
    expect(r.body.expires_in).toBe(21600);
    expect(r.body.scope).toBe('a');
    access = r.body.access_token;
    refresh = r.body.refresh_token;
    const { payload, protectedHeader } = await jwtVerify(r.body.id_token, new TextEncoder().encode('this-is-a-test-key'));
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload.sub).toBe(user.uuid);
    expect(payload.aud).toBe('testid');
    expect(payload.iss).toBe('simple-auth');
    expect(Object.keys(payload)).toEqual(['aud', 'exp', 'iss', 'sub']);
  });

  it('the code cannot be exchanged twice', async () => {
    const r = await token({ grant_type: 'authorization_code', client_id: 'testid', client_secret: 'client-secret', code, redirect_uri: REDIRECT });
    oauthError(r, 'server_error');
  });

  it('token list shows the client and the short token', async () => {
    const list = await listTokens();
    expect(list.some((t) => t.client_id === 'testid')).toBe(true);
    expect(list.some((t) => t.short_token === access.slice(0, 5) && t.type === 'access_token')).toBe(true);
    const t = list[0] as { created: string; expires: string };
    expect(new Date(t.created).toISOString()).toBe(t.created);
  });

  it('token_info of the access token, and of a fake one', async () => {
    const i = await info(access);
    expect(i).toMatchObject({ active: true, token_type: 'access_token', scope: 'a', sub: user.uuid, client_id: 'testid', aud: 'testid', iss: 'simple-auth' });
    expect(typeof i.exp).toBe('number');
    expect(typeof i.iat).toBe('number');
    expect(i.exp - i.iat).toBe(21600);
    const fake = await req('POST', '/api/v1/auth/oauth2/token_info', { json: { token: 'fake' } });
    expect(fake.status).toBe(200);
    expect(fake.body).toEqual({ active: false });
    oauthError(await req('POST', '/api/v1/auth/oauth2/token_info', { json: {} }), 'invalid_request');
    // form and query work too
    expect((await req('POST', '/api/v1/auth/oauth2/token_info', { form: { token: access } })).body.active).toBe(true);
    expect((await req('POST', `/api/v1/auth/oauth2/token_info?token=${access}`)).body.active).toBe(true);
  });

  it('auto-grant now succeeds and the exchange reuses the same access token', async () => {
    const g = await grant({ client_id: 'testid', response_type: 'code', redirect_uri: REDIRECT, scope: 'a', auto: true });
    expect(g.status).toBe(200);
    const r = await token({ grant_type: 'authorization_code', client_id: 'testid', client_secret: 'client-secret', code: g.body.code, redirect_uri: REDIRECT });
    expect(r.body.access_token).toBe(access);
    expect(r.body.refresh_token).toBe(refresh);
    expect(r.body.expires_in).toBeGreaterThan(21000);
  });

  it('refresh: bad secret and bad client rejected; a good one gives a new access token and no refresh token', async () => {
    oauthError(await token({ grant_type: 'refresh_token', client_id: 'testid', client_secret: 'bad', refresh_token: refresh }), 'server_error');
    oauthError(await token({ grant_type: 'refresh_token', client_id: 'bad', client_secret: 'client-secret', refresh_token: refresh }), 'invalid_client');
    const r = await token({ grant_type: 'refresh_token', client_id: 'testid', client_secret: 'client-secret', refresh_token: refresh });
    expect(r.status).toBe(200);
    expect(r.body.access_token).toBeTruthy();
    expect(r.body.access_token).not.toBe(access);
    expect(r.body.refresh_token).toBeUndefined();
    expect(r.body.id_token).toBeUndefined();
    expect((await info(access)).active).toBe(false); // revokeoldtokens
    expect((await info(refresh)).active).toBe(true);
  });

  it('revoke all of a client, then the list is empty', async () => {
    const r = await req('DELETE', '/api/v1/auth/oauth2/token?client_id=testid', { headers: priv });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ success: true });
    expect(await listTokens()).toEqual([]);
    expect((await info(refresh)).active).toBe(false);
  });

  it('revoke a single refresh token by value', async () => {
    const r = await token({ grant_type: 'password', client_id: 'testid', client_secret: 'client-secret', username: 'authtest', password: 'test-pass' });
    expect(r.status).toBe(200);
    const del = await req('DELETE', `/api/v1/auth/oauth2/token?client_id=testid&token=${r.body.refresh_token}`, { headers: priv });
    expect(del.body).toEqual({ success: true });
    const shorts = (await listTokens()).map((t) => t.short_token);
    expect(shorts).toContain(r.body.access_token.slice(0, 5));
    expect(shorts).not.toContain(r.body.refresh_token.slice(0, 5));
  });

  // ---- oauth2#credentials ----
  it('credentials: by username and by email', async () => {
    for (const username of ['authtest', 'tps2@example.com']) {
      const r = await token({ grant_type: 'password', client_id: 'testid', client_secret: 'client-secret', username, password: 'test-pass' });
      expect(r.status).toBe(200);
      expect(r.body.access_token).toBeTruthy();
      expect(r.body.refresh_token).toBeTruthy();
      expect(r.body.id_token).toBeTruthy();
    }
  });

  it('credentials: bad scope, bad password, bad secret', async () => {
    const sc = await token({ grant_type: 'password', client_id: 'testid', client_secret: 'client-secret', username: 'authtest', password: 'test-pass', scope: 'a c' });
    expect(sc.body).toEqual({ error: 'invalid_scope', error_description: 'Invald scopes' });
    const pw = await token({ grant_type: 'password', client_id: 'testid', client_secret: 'client-secret', username: 'authtest', password: 'nope' });
    expect(pw.body).toEqual({ error: 'invalid_request', error_description: 'invalid-credentials' });
    const sec = await token({ grant_type: 'password', client_id: 'testid', client_secret: 'bad', username: 'authtest', password: 'test-pass' });
    expect(sec.body).toEqual({ error: 'invalid_request', error_description: 'invalid secret' });
  });

  it('unknown grant types, missing and mistyped fields are 400', async () => {
    expect((await token({ grant_type: 'implicit', client_id: 'testid', client_secret: 'client-secret' })).body).toEqual({ error: 'unsupported_grant_type', error_description: 'Unknown grant type: implicit' });
    oauthError(await token({ client_id: 'testid' }), 'invalid_request');
    oauthError(await token({ grant_type: 'password' }), 'invalid_request');
    oauthError(await token({ grant_type: 5, client_id: 'testid' }), 'invalid_request');
    oauthError(await token({ grant_type: 'password', client_id: ['testid'] }), 'invalid_request');
    oauthError(await req('POST', '/api/v1/auth/oauth2/token', { raw: '{bad json', headers: { 'content-type': 'application/json' } }), 'invalid_request');
    oauthError(await req('POST', '/api/v1/auth/oauth2/token?grant_type=password&client_id=testid&client_id=x'), 'invalid_request');
    oauthError(await grant({ client_id: 'testid', response_type: 'code', redirect_uri: REDIRECT, scope: { a: 1 } }), 'invalid_request');
    // A repeated parameter is not mistyped: echo binds its first value (`?client_id=a`), as on every simple route.
    const first = await req('DELETE', '/api/v1/auth/oauth2/token?client_id=a&client_id=b', { headers: priv });
    expect([first.status, first.body]).toEqual([200, (await req('DELETE', '/api/v1/auth/oauth2/token?client_id=a', { headers: priv })).body]);
  });

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
    const rows = await srv.core.store.db.selectFrom('oauth_tokens').selectAll().execute();
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

  it('configuration clients are validated strictly', () => {
    expect(() => parseConfigClient('x', { ...CLIENTS.testid, oidc: { signingmethod: 'XX256', signingkey: 'k' } })).toThrow(/oauth2Clients\.x: oidc: unsupported signing method/);
    expect(() => parseConfigClient('x', { ...CLIENTS.testid, oidc: { signingmethod: 'RS256', signingkey: 'not a pem' } })).toThrow(/oauth2Clients\.x: oidc: RS256 needs a PEM/);
    expect(() => parseConfigClient('x', { ...CLIENTS.testid, bogus: 1 })).toThrow(/unknown key bogus/);
    expect(() => parseConfigClient('x', { ...CLIENTS.testid, tokenexpiresseconds: '5' })).toThrow(/tokenexpiresseconds/);
    expect(() => parseConfigClient('x', { ...CLIENTS.testid, scopes: 'a b' })).toThrow(/scopes/);
    expect(parseConfigClient('x', CLIENTS.noreuse).redirectUris).toEqual([REDIRECT, 'http://other.example.com/cb']);
  });
});

await describeDb('simple dialect: OAuth2 rate limiting', () => {
  let s2: TestServer;
  beforeAll(async () => {
    s2 = await startServer({ apiExternal: true, apiSharedSecret: 'super-secret', oauth2AllowCredentials: true, oauth2Clients: { testid: CLIENTS.testid }, loginMaxFailures: 3 });
  });
  afterAll(async () => s2?.close());

  it('replaying a used code is refused but never locks the client out', async () => {
    const r2 = client(s2.url);
    const u = await s2.core.accounts.create({ username: 'replay', password: 'test-pass', email: 'replay@example.com' });
    const h = { authorization: 'SharedKey super-secret', 'x-account-uuid': u.uuid };
    const codeOf = async () => (await r2('POST', '/api/v1/auth/oauth2/grant', { json: { client_id: 'testid', response_type: 'code', redirect_uri: REDIRECT }, headers: h })).body.code as string;
    const ex = (code: string) => r2('POST', '/api/v1/auth/oauth2/token', { json: { grant_type: 'authorization_code', client_id: 'testid', client_secret: 'client-secret', redirect_uri: REDIRECT, code } });
    const used = await codeOf();
    expect((await ex(used)).status).toBe(200);
    for (let i = 0; i < 6; i++) expect((await ex(used)).status).toBe(400);
    expect((await ex(await codeOf())).status).toBe(200);
  });

  it('wrong client secrets count in the login throttle: 429 with Retry-After', async () => {
    const r2 = client(s2.url);
    const body = { grant_type: 'refresh_token', client_id: 'testid', client_secret: 'wrong', refresh_token: 'x' };
    for (let i = 0; i < 3; i++) expect((await r2('POST', '/api/v1/auth/oauth2/token', { json: body })).status).toBe(400);
    const locked = await r2('POST', '/api/v1/auth/oauth2/token', { json: body });
    expect(locked.status).toBe(429);
    expect(locked.body.error).toBe('invalid_request');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

await describeDb('simple dialect: OAuth2 client_credentials (an addition)', () => {
  let s3: TestServer;
  let r3: ReturnType<typeof client>;
  let owner: UserRow;
  let h: Record<string, string>;
  const cc = (body: Record<string, unknown>, headers?: Record<string, string>) => r3('POST', '/api/v1/auth/oauth2/token', { json: { grant_type: 'client_credentials', ...body }, headers });
  const info3 = async (t: string) => (await r3('POST', '/api/v1/auth/oauth2/token_info', { json: { token: t } })).body;
  beforeAll(async () => {
    s3 = await startServer({
      apiExternal: true,
      apiSharedSecret: 'super-secret',
      oauth2AllowCredentials: true,
      oauth2Clients: {
        testid: { ...CLIENTS.testid, issuer: 'gatehouse-test', allowclientcredentials: true },
        spa: { ...CLIENTS.spa, allowclientcredentials: true },
        nosecret: { secret: '', name: 'No secret', redirecturi: REDIRECT, scopes: ['a'], allowclientcredentials: true },
        optedout: { secret: 'oo-secret', name: 'Not opted in', redirecturi: REDIRECT, scopes: ['a'] },
      },
      loginMaxFailures: 3,
    });
    r3 = client(s3.url);
    owner = await s3.core.accounts.create({ username: 'ccowner', password: 'test-pass', email: 'cc@example.com' });
    h = { authorization: 'SharedKey super-secret', 'x-account-uuid': owner.uuid };
  });
  afterAll(async () => s3?.close());

  it('a confidential client gets an access token with its secret in the body: no refresh token, no id_token', async () => {
    const r = await cc({ client_id: 'testid', client_secret: 'client-secret', scope: 'A b' });
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(r.body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(r.body).toMatchObject({ token_type: 'Bearer', expires_in: 21600, scope: 'a b' });
    expect(r.body.access_token).toMatch(/^[0-9a-f-]{36}$/);
    const bare = await cc({ client_id: 'testid', client_secret: 'client-secret' });
    expect(Object.keys(bare.body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(bare.body.access_token).not.toBe(r.body.access_token);
  });

  it('HTTP Basic authenticates the client too (JSON and form bodies)', async () => {
    const basic = `Basic ${Buffer.from('testid:client-secret').toString('base64')}`;
    const j = await cc({ scope: 'a' }, { authorization: basic });
    expect(j.status).toBe(200);
    expect(j.body.scope).toBe('a');
    const f = await r3('POST', '/api/v1/auth/oauth2/token', { form: { grant_type: 'client_credentials' }, headers: { authorization: basic } });
    expect(f.status).toBe(200);
    expect(f.body.access_token).toBeTruthy();
  });

  it('token_info: active, the client as audience, no account claims', async () => {
    const r = await cc({ client_id: 'testid', client_secret: 'client-secret', scope: 'a username' });
    const i = await info3(r.body.access_token);
    expect(i).toEqual({ active: true, scope: 'a username', client_id: 'testid', token_type: 'access_token', iat: expect.any(Number), exp: expect.any(Number), aud: 'testid', iss: 'gatehouse-test' });
    expect(i.exp - i.iat).toBe(21600);
    expect(i).not.toHaveProperty('sub');
    expect(i).not.toHaveProperty('username');
  });

  it('stored hashed, no account audit, and invisible to account token lists and revocation', async () => {
    const r = await cc({ client_id: 'testid', client_secret: 'client-secret' });
    const rows = await s3.core.store.db.selectFrom('oauth_tokens').selectAll().where('user_id', 'is', null).execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.type === 'access_token')).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(r.body.access_token);
    expect((await s3.core.audit.forUser(owner.id, 100, 0)).filter((a) => a.module === 'auth:oauth2')).toEqual([]);
    expect((await r3('GET', '/api/v1/auth/oauth2', { headers: h })).body).toEqual({ tokens: [] });
    expect((await r3('DELETE', '/api/v1/auth/oauth2/token?client_id=testid', { headers: h })).body).toEqual({ success: true });
    expect((await r3('DELETE', `/api/v1/auth/oauth2/token?client_id=testid&token=${r.body.access_token}`, { headers: h })).body).toEqual({ success: true });
    expect((await info3(r.body.access_token)).active).toBe(true);
  });

  it('account grants beside client tokens: reuse and revoke-old work as before', async () => {
    await cc({ client_id: 'testid', client_secret: 'client-secret', scope: 'a' });
    const p = { grant_type: 'password', client_id: 'testid', client_secret: 'client-secret', username: 'ccowner', password: 'test-pass', scope: 'a' };
    const one = await r3('POST', '/api/v1/auth/oauth2/token', { json: p });
    expect(one.status).toBe(200);
    expect(one.body.refresh_token).toBeTruthy();
    const two = await r3('POST', '/api/v1/auth/oauth2/token', { json: p });
    expect(two.body.access_token).toBe(one.body.access_token);
    expect((await info3(one.body.access_token)).sub).toBe(owner.uuid);
    const ref = await r3('POST', '/api/v1/auth/oauth2/token', { json: { grant_type: 'refresh_token', client_id: 'testid', client_secret: 'client-secret', refresh_token: one.body.refresh_token } });
    expect(ref.status).toBe(200);
    const list = (await r3('GET', '/api/v1/auth/oauth2', { headers: h })).body.tokens as { type: string }[];
    expect(list.map((t) => t.type).sort()).toEqual(['access_token', 'refresh_token']);
  });

  it('a client token is not a refresh token or a code', async () => {
    const r = await cc({ client_id: 'testid', client_secret: 'client-secret' });
    oauthError(await r3('POST', '/api/v1/auth/oauth2/token', { json: { grant_type: 'refresh_token', client_id: 'testid', client_secret: 'client-secret', refresh_token: r.body.access_token } }), 'server_error');
  });

  it('scopes beyond the client are refused', async () => {
    const r = await cc({ client_id: 'testid', client_secret: 'client-secret', scope: 'a c' });
    expect(r.body).toEqual({ error: 'invalid_scope', error_description: 'Invalid scopes' });
  });

  it('public clients and clients without a secret are refused', async () => {
    const pub = await cc({ client_id: 'spa', scope: 'a' });
    expect(pub.status).toBe(400);
    expect(pub.body.error).toBe('unauthorized_client');
    oauthError(await cc({ client_id: 'spa', client_secret: 'anything' }), 'unauthorized_client');
    oauthError(await cc({ client_id: 'nosecret', client_secret: '' }), 'unauthorized_client');
    oauthError(await cc({ client_id: 'nosecret' }), 'unauthorized_client');
    // Off unless the client opts in (allowclientcredentials): the original had no such grant.
    oauthError(await cc({ client_id: 'optedout', client_secret: 'oo-secret' }), 'unauthorized_client');
    oauthError(await cc({ client_id: 'nope', client_secret: 'x' }), 'invalid_client');
  });

  it('a wrong secret is refused like the other grants and counts in the throttle', async () => {
    expect((await cc({ client_id: 'testid', client_secret: 'wrong' })).body).toEqual({ error: 'server_error', error_description: 'invalid secret' });
    oauthError(await cc({ client_id: 'testid' }), 'server_error');
    oauthError(await cc({}, { authorization: `Basic ${Buffer.from('testid:wrong').toString('base64')}` }), 'server_error');
    const locked = await cc({ client_id: 'testid', client_secret: 'wrong' });
    expect(locked.status).toBe(429);
    expect(locked.body.error).toBe('invalid_request');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('0003_client_tokens keeps existing rows, their constraints and indexes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-mig-'));
    const fresh = await freshDatabase(dir);
    const store = await openDb(fresh.url);
    try {
      expect(await migrate(store, '0002_simple_dialect')).toEqual(['0001_initial', '0002_simple_dialect']);
      const db = store.db;
      const now = Date.now();
      const u = await db.insertInto('users').values({ uuid: 'u-1', username: 'm', username_norm: 'm', status: 1, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
      const c = await db
        .insertInto('clients')
        .values({ client_id: 'mc', client_secret_enc: 'x', secret_enc: 'x', access_token_expiration: 1, refresh_token_expiration: 1, auth_code_expiration: 1, created_at: now, modified_at: now, scopes: 'a' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const tok = { token_enc: null, short: 'abcde', type: 'access_token', client_id: c.id, scope: 'a', data: null, created_at: now, expires_at: now + 60_000, deleted_at: null };
      await db.insertInto('oauth_tokens').values({ ...tok, hash: 'h1', user_id: u.id }).execute();
      await expect(db.insertInto('oauth_tokens').values({ ...tok, hash: 'h-null', user_id: null }).execute()).rejects.toThrow();
      expect(await migrate(store, '0003_client_tokens')).toEqual(['0003_client_tokens']);
      expect(await migrate(store, '0003_client_tokens')).toEqual([]);
      const kept = await db.selectFrom('oauth_tokens').selectAll().execute();
      expect(kept).toHaveLength(1);
      expect(kept[0]).toMatchObject({ hash: 'h1', user_id: u.id, client_id: c.id, short: 'abcde', scope: 'a' });
      const n = await db.insertInto('oauth_tokens').values({ ...tok, hash: 'h2', user_id: null }).returning('id').executeTakeFirstOrThrow();
      expect(n.id).toBeGreaterThan(kept[0]!.id);
      await expect(db.insertInto('oauth_tokens').values({ ...tok, hash: 'h2', user_id: null }).execute()).rejects.toThrow();
      await expect(db.insertInto('oauth_tokens').values({ ...tok, hash: 'h3', user_id: 9999 }).execute()).rejects.toThrow();
      const idx = (await db.introspection.getTables()).find((t) => t.name === 'oauth_tokens');
      expect(idx?.columns.find((col) => col.name === 'user_id')?.isNullable).toBe(true);
      if (store.kind === 'sqlite') {
        const names = (await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'oauth_tokens'`.execute(db)).rows.map((x) => x.name);
        expect(names).toEqual(expect.arrayContaining(['oauth_tokens_client_user', 'oauth_tokens_user']));
      } else {
        const names = (await sql<{ indexname: string }>`select indexname from pg_indexes where tablename = 'oauth_tokens'`.execute(db)).rows.map((x) => x.indexname);
        expect(names).toEqual(expect.arrayContaining(['oauth_tokens_client_user', 'oauth_tokens_user']));
      }
      await db.deleteFrom('users').where('id', '=', u.id).execute();
      expect((await db.selectFrom('oauth_tokens').select('hash').execute()).map((x) => x.hash)).toEqual(['h2']);
    } finally {
      await store.close();
      await fresh.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
