import { jwtVerify } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, describeDb, startServer, type TestServer } from '../../support/server.js';
import type { UserRow } from '../../../src/store/users.js';
import { CLIENTS, oauth2Calls, oauthError, REDIRECT } from './fixtures.js';

/**
 * simple-auth's OAuth2 provider: the original's tests/api/v1/oauth2.js replayed in order (each
 * test builds on the codes and tokens of the ones before it), with the oauth2 rows of
 * privateSurface.js and oauth2#credentials.
 */

let srv: TestServer;
let req: ReturnType<typeof client>;
let user: UserRow;
let priv: Record<string, string>;
const { token, info, grant, listTokens } = oauth2Calls(() => req, () => priv);

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
});
