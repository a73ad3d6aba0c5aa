/**
 * simple dialect: a repeated query parameter binds its first value, as echo's QueryParam and
 * DefaultBinder do (Fastify alone makes an array of it, which the string schemas refuse with
 * 400), and so does a repeated form field (Go's url.Values). Other dialects keep their own rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startServer, type Res, type TestServer } from '../support/server.js';

const SK = { authorization: 'SharedKey super-secret' };
const authCookie = (r: Res) => r.headers.getSetCookie().find((c) => c.startsWith('auth='))?.split(';')[0] ?? '';

describe('simple dialect: repeated query parameters take their first value', () => {
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  let uuid: string;

  beforeAll(async () => {
    srv = await startServer({
      apiExternal: true,
      apiSharedSecret: 'super-secret',
      vouchEnabled: true,
      vouchUserHeader: 'X-User-Id',
      simpleAuthEnabled: true,
      simpleAuthSecret: 'simple-secret',
      simpleBaseUrl: 'http://auth.example.com',
      simpleAllowedContinueUrls: ['/first', '/second'],
    });
    req = client(srv.url);
    uuid = (await srv.core.accounts.create({ username: 'queryuser', password: 'query-pass', email: 'query@example.com' })).uuid;
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('vouch: ?forward=1&forward=1 redirects (307) to the first continue URL; ARC still refuses a repeated parameter (400)', async () => {
    const r = await req('GET', '/api/v1/auth/vouch?forward=1&forward=1&continue=http://app.example.com/first&continue=http://app.example.com/second');
    expect(r.status).toBe(307);
    expect(r.headers.get('location')).toBe('http://auth.example.com?continue=http%3A%2F%2Fapp.example.com%2Ffirst');
    expect(r.text).toBe('');
    // Only the simple dialect binds like echo; the others keep their own rules.
    const arc = await req('GET', '/auth/verify-reset-password-link?token=a&token=b');
    expect(arc.status).toBe(400);
    expect(arc.body.error).toMatchObject({ statusCode: 400, name: 'BadRequestError' });
  });

  it('vouch: an empty first forward value means no forward (401), whatever follows', async () => {
    const r = await req('GET', '/api/v1/auth/vouch?forward=&forward=1');
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ cause: null, error: true, message: 'Request did not pass any authentication schemes', reason: 'unauthorized' });
  });

  it('vouch: a valid cookie with repeated parameters answers 200 and the user header', async () => {
    const login = await req('POST', '/api/v1/auth/session', { json: { username: 'queryuser', password: 'query-pass' }, headers: SK });
    expect(login.status).toBe(200);
    const r = await req('GET', '/api/v1/auth/vouch?forward=1&forward=2&continue=a&continue=b', { headers: { cookie: authCookie(login) } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ success: true });
    expect(r.headers.get('x-user-id')).toBe(uuid);
  });

  it('GET /account/audit?limit=1&limit=50 returns one record', async () => {
    for (let i = 0; i < 3; i++) expect((await req('POST', '/api/v1/auth/session', { json: { username: 'queryuser', password: 'query-pass' }, headers: SK })).status).toBe(200);
    const all = await req('GET', '/api/v1/account/audit', { headers: { ...SK, 'x-account-uuid': uuid } });
    expect(all.body.records.length).toBeGreaterThan(1);
    const r = await req('GET', '/api/v1/account/audit?limit=1&limit=50', { headers: { ...SK, 'x-account-uuid': uuid } });
    expect(r.status).toBe(200);
    expect(r.body.records).toEqual(all.body.records.slice(0, 1));
  });

  it('POST /account/check?username=…&username=… checks the first name (a route without a query schema)', async () => {
    const r = await req('POST', '/api/v1/account/check?username=queryuser&username=nobody', { headers: SK });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ username: 'queryuser', exists: true });
  });

  it('the sign-in page at / keeps the first of repeated continue URLs', async () => {
    const r = await req('GET', '/?continue=/first&continue=/second');
    expect(r.status).toBe(200);
    const boot = JSON.parse(/<script type="application\/json" id="boot">([^<]*)<\/script>/.exec(r.text)?.[1] ?? '{}') as { login?: { continueUrl?: string } };
    expect(boot.login?.continueUrl).toBe('/first');
  });

  it('a repeated form field binds its first value too (POST /auth/simple)', async () => {
    const r = await req('POST', '/api/v1/auth/simple', {
      raw: 'username=queryuser&username=nobody&password=query-pass&password=wrong',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Bearer simple-secret' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ id: uuid, username: 'queryuser' });
  });
});
