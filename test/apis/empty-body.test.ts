/**
 * Issue 9, item 9: a JSON content type with an empty body is a request without a body, in every
 * dialect, as the originals take it (Express and LoopBack parse it as `{}`, echo skips binding).
 * Browsers' fetch sends exactly that for body-less calls, such as the sign-in page's sign-out.
 * Operations that need a body still answer their dialect's own validation error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startServer, type Res, type TestServer } from '../support/server.js';
import { arcFixture } from '../support/fixtures/arc.js';

const JSON_EMPTY = { headers: { 'content-type': 'application/json' }, raw: '' };
const SK = { authorization: 'SharedKey super-secret' };
const CSRF = 'abcdefghijklmnopqrstuvwxyz012345';
const authCookie = (r: Res) => r.headers.getSetCookie().find((c) => c.startsWith('auth='))?.split(';')[0] ?? '';

describe('an empty body with a JSON content type', () => {
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  let uuid: string;

  beforeAll(async () => {
    srv = await startServer({
      apiExternal: true,
      apiSharedSecret: 'super-secret',
      vouchEnabled: true,
      simpleTwoFactorEnabled: true,
      simpleAuthEnabled: true,
      simpleAuthSecret: 'simple-secret',
      oauth2Clients: { testid: { secret: 'client-secret', name: 'Test', author: 'sa', authorurl: 'http://sa.com', redirecturi: 'http://example.com/redirect', scopes: ['a'] } },
    });
    req = client(srv.url);
    await arcFixture(srv.core);
    uuid = (await srv.core.accounts.create({ username: 'emptybody', password: 'empty-pass', email: 'empty@example.com' })).uuid;
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('answers every body-less operation of every dialect as it answers the same call without a content type', async () => {
    const spec = (await req('GET', '/openapi.json')).body as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
    const checked: string[] = [];
    for (const [path, ops] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (op.requestBody) continue;
        const url = path.replace(/\{[^}]+\}/g, '1');
        const bare = await req(method.toUpperCase(), url);
        // fetch sends no body at all on GET: the content type alone then.
        const json = await req(method.toUpperCase(), url, method === 'get' ? { headers: JSON_EMPTY.headers } : JSON_EMPTY);
        expect([method, path, json.status]).toEqual([method, path, bare.status]);
        expect(json.text).not.toMatch(/Body cannot be empty/);
        checked.push(`${method.toUpperCase()} ${path}`);
      }
    }
    // The body-less operations that take a content type at all (the others are GETs).
    expect(checked).toEqual(expect.arrayContaining(['DELETE /api/v1/auth/session', 'DELETE /api/v1/local/2fa', 'DELETE /api/v1/auth/oauth2/token', 'DELETE /auth-clients/{id}', 'DELETE /otp-caches/{id}', 'POST /auth']));
  });

  it('simple: DELETE /auth/session signs out (200) and vouch refuses the cookie afterwards', async () => {
    const login = await req('POST', '/api/v1/auth/session', { json: { username: 'emptybody', password: 'empty-pass' }, headers: SK });
    const cookie = authCookie(login);
    expect((await req('GET', '/api/v1/auth/vouch', { headers: { cookie } })).status).toBe(200);
    const out = await req('DELETE', '/api/v1/auth/session', { ...JSON_EMPTY, headers: { ...JSON_EMPTY.headers, cookie: `${cookie}; _csrf=${CSRF}`, 'x-csrf-token': CSRF } });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ success: true });
    expect((await req('GET', '/api/v1/auth/vouch', { headers: { cookie } })).status).toBe(401);
  });

  it('simple: an operation that needs a body names the missing field, in its envelope (400 bad-request)', async () => {
    const r = await req('POST', '/api/v1/auth/session', { ...JSON_EMPTY, headers: { ...JSON_EMPTY.headers, ...SK } });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: true, reason: 'bad-request', message: "Key: 'loginRequest.Username' Error:Field validation for 'Username' failed on the 'required' tag" });
    // Only an empty body counts as none: whitespace is malformed JSON, as for echo.
    const blank = await req('POST', '/api/v1/auth/session', { raw: ' ', headers: { 'content-type': 'application/json', ...SK } });
    expect(blank.status).toBe(400);
    expect(blank.body.reason).toBe('bad-request');
  });

  it('ARC: DELETE /auth-clients/{id} deletes (204); login-token without a body is 422 VALIDATION_FAILED', async () => {
    const login = await req('POST', '/auth/login-token', { json: { client_id: 'web', client_secret: 'test', username: 'test_user', password: 'temp123!@' } });
    expect(login.status).toBe(200);
    const spare = await srv.core.clients.create({ clientId: 'spare', clientSecret: 's', secret: 's2', redirectUrl: null, accessTokenExpiration: 900, refreshTokenExpiration: 86400, authCodeExpiration: 180 });
    const del = await req('DELETE', `/auth-clients/${spare.id}`, { ...JSON_EMPTY, bearer: login.body.accessToken });
    expect(del.status).toBe(204);
    expect(await srv.core.clients.byClientId('spare')).toBeUndefined();
    const empty = await req('POST', '/auth/login-token', JSON_EMPTY);
    expect(empty.status).toBe(422);
    expect(empty.body.error).toMatchObject({ statusCode: 422, name: 'UnprocessableEntityError', code: 'VALIDATION_FAILED' });
    expect((await req('POST', '/auth/login-token', { raw: ' ', headers: { 'content-type': 'application/json' } })).status).toBe(400);
  });

  it('basic: POST /auth welcomes the bearer (200); register without a body is a 400 ZodError', async () => {
    const reg = await req('POST', '/auth/register', { json: { name: 'Empty Body', email: 'basic-empty@example.com', password: 'Empty-pass1!', confirm: 'Empty-pass1!' } });
    expect(reg.status).toBe(201);
    const welcome = await req('POST', '/auth', { ...JSON_EMPTY, bearer: reg.body.tokens.access.token });
    expect(welcome.status).toBe(200);
    expect(welcome.body.message).toBe('Welcome authenticated user');
    const empty = await req('POST', '/auth/register', JSON_EMPTY);
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ status: 400, error: { name: 'ZodError' } });
  });
});
