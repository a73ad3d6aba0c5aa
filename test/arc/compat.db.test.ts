import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, decode, describeDb, startServer, type Res, type TestServer } from '../support/server.js';
import { arcFixture } from '../support/fixtures/arc.js';

/**
 * Issue 9 items 8 and 10 (arc): what the original LoopBack service answers, found by running it
 * side by side, and ids that PostgreSQL would refuse with a server error.
 */
await describeDb('arc compatibility: bad ids, content types, parameter errors, lastLogin', () => {
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  let fx: Awaited<ReturnType<typeof arcFixture>>;
  let admin: string;

  beforeAll(async () => {
    srv = await startServer();
    req = client(srv.url);
    fx = await arcFixture(srv.core);
    const r = await req('POST', '/auth/login-token', { json: fx.login() });
    expect(r.status).toBe(200);
    admin = r.body.accessToken as string;
  });
  afterAll(() => srv?.close());

  /** LoopBack's `RestHttpErrors.invalidData`: the raw text, JSON-quoted. */
  const invalidData = (raw: string, name: string) => ({
    error: { statusCode: 400, name: 'BadRequestError', message: `Invalid data ${JSON.stringify(raw)} for parameter "${name}".`, code: 'INVALID_PARAMETER_VALUE' },
  });
  /** LoopBack's `RestHttpErrors.unsupportedMediaType`. */
  const unsupported = (type: string, allowed = 'application/json') => ({
    error: { statusCode: 415, name: 'UnsupportedMediaTypeError', message: `Content-type ${type} does not match [${allowed}].`, code: 'UNSUPPORTED_MEDIA_TYPE' },
  });
  const expectBody = (r: Res, status: number, body: unknown) => {
    expect(r.status, r.text).toBe(status);
    expect(r.body).toEqual(body);
  };
  const clientBody = { clientId: 'x', clientSecret: 's', secret: 'k', accessTokenExpiration: 60, refreshTokenExpiration: 60, authCodeExpiration: 60 };
  const q = (v: unknown) => encodeURIComponent(JSON.stringify(v));

  it('answers GET /auth-clients/99999999999 (beyond a 32-bit id) with 400 invalid data, not a server error', async () => {
    expectBody(await req('GET', '/auth-clients/99999999999', { bearer: admin }), 400, invalidData('99999999999', 'id'));
  });

  it('answers GET /auth-clients/1.5 (not an integer) with 400 invalid data, not a server error', async () => {
    expectBody(await req('GET', '/auth-clients/1.5', { bearer: admin }), 400, invalidData('1.5', 'id'));
  });

  it('answers PATCH, PUT and DELETE of an out-of-range or fractional id with 400 invalid data', async () => {
    for (const id of ['99999999999', '2147483648', '-2147483649', '1.5', '1e300']) {
      expectBody(await req('PATCH', `/auth-clients/${id}`, { bearer: admin, json: { clientId: 'y' } }), 400, invalidData(id, 'id'));
      expectBody(await req('PUT', `/auth-clients/${id}`, { bearer: admin, json: clientBody }), 400, invalidData(id, 'id'));
      expectBody(await req('DELETE', `/auth-clients/${id}`, { bearer: admin }), 400, invalidData(id, 'id'));
    }
  });

  it('answers a non-numeric id with Invalid data "<raw>" for parameter "id"', async () => {
    expectBody(await req('GET', '/auth-clients/abc', { bearer: admin }), 400, invalidData('abc', 'id'));
    expectBody(await req('GET', `/auth-clients/${encodeURIComponent('a"b')}`, { bearer: admin }), 400, invalidData('a"b', 'id'));
  });

  it('still answers 404 EntityNotFound for a well-formed 32-bit id that does not exist', async () => {
    expectBody(await req('GET', '/auth-clients/2147483647', { bearer: admin }), 404, { error: { statusCode: 404, name: 'NotFoundError', message: 'EntityNotFound' } });
    expectBody(await req('GET', `/auth-clients/${fx.web.id}?filter=${q({ fields: ['clientId'] })}`, { bearer: admin }), 200, { clientId: 'web' });
  });

  it('refuses auth-client lifetimes beyond a 32-bit integer, or fractional, with 422 instead of a server error', async () => {
    const detail = (path: string, code: string, message: string, info: unknown) => ({ path, code, message, info });
    const invalid = (d: unknown) => ({
      error: { statusCode: 422, name: 'UnprocessableEntityError', message: 'The request body is invalid. See error object `details` property for more info.', code: 'VALIDATION_FAILED', details: [d] },
    });
    const tooBig = invalid(detail('.accessTokenExpiration', 'maximum', 'should be <= 2147483647', { comparison: '<=', limit: 2147483647 }));
    const fraction = invalid(detail('.authCodeExpiration', 'type', 'should be integer', { type: 'integer' }));
    expectBody(await req('POST', '/auth-clients', { bearer: admin, json: { ...clientBody, accessTokenExpiration: 99999999999 } }), 422, tooBig);
    expectBody(await req('PATCH', `/auth-clients/${fx.web.id}`, { bearer: admin, json: { authCodeExpiration: 1.5 } }), 422, fraction);
    expectBody(await req('PATCH', `/auth-clients?where=${q({ id: fx.web.id })}`, { bearer: admin, json: { accessTokenExpiration: 99999999999 } }), 422, tooBig);
    expectBody(await req('PUT', `/auth-clients/${fx.web.id}`, { bearer: admin, json: { ...clientBody, authCodeExpiration: 1.5 } }), 422, fraction);
  });

  it('refuses text holding U+0000, which PostgreSQL cannot store, with a 4xx instead of a server error', async () => {
    const nul = 'a\u0000b';
    const detail = (path: string) => ({ path, code: 'pattern', message: 'should not contain the NUL character', info: { pattern: '^[^\\u0000]*$' } });
    const invalid = (path: string) => ({
      error: { statusCode: 422, name: 'UnprocessableEntityError', message: 'The request body is invalid. See error object `details` property for more info.', code: 'VALIDATION_FAILED', details: [detail(path)] },
    });
    expectBody(await req('POST', '/auth/login-token', { json: { ...fx.login(), username: nul } }), 422, invalid('.username'));
    expectBody(await req('POST', '/auth/login', { json: { ...fx.login(), client_id: nul } }), 422, invalid('.client_id'));
    expectBody(await req('POST', '/auth/token', { json: { code: 'x', clientId: nul } }), 422, invalid('.clientId'));
    expectBody(await req('POST', '/auth-clients', { bearer: admin, json: { ...clientBody, clientId: nul } }), 422, invalid('.clientId'));
    expectBody(await req('POST', '/otp-caches', { bearer: admin, json: { username: nul, otp: '1' } }), 422, invalid('.username'));
    expectBody(await req('POST', '/auth/forget-password', { json: { username: nul, client_id: 'web', client_secret: 'test' } }), 422, invalid('.username'));
    expectBody(await req('GET', '/otp-caches/a%00b', { bearer: admin }), 400, invalidData(nul, 'id'));
  });

  it('answers a filter that is not JSON with Invalid data "<raw>" for parameter "filter"', async () => {
    expectBody(await req('GET', '/auth-clients?filter={nope', { bearer: admin }), 400, invalidData('{nope', 'filter'));
    expectBody(await req('GET', `/auth-clients/${fx.web.id}?filter=${encodeURIComponent('{"a":')}`, { bearer: admin }), 400, invalidData('{"a":', 'filter'));
    expectBody(await req('GET', '/auth-clients/count?where=nope', { bearer: admin }), 400, invalidData('nope', 'where'));
  });

  it('matches nothing, without a server error, when a where compares an integer column with a huge or fractional number', async () => {
    const list = (where: unknown) => req('GET', `/auth-clients?filter=${q({ where, fields: ['clientId'] })}`, { bearer: admin });
    for (const where of [{ id: 99999999999 }, { id: 1.5 }, { id: { inq: [99999999999, 9007199254740993] } }, { accessTokenExpiration: { gt: 1e300 } }, { id: '99999999999' }]) {
      expectBody(await list(where), 200, []);
    }
    expectBody(await list({ id: { lt: 99999999999 }, clientId: 'web' }), 200, [{ clientId: 'web' }]);
    expectBody(await req('GET', `/auth-clients/count?where=${q({ id: { gte: 99999999999 } })}`, { bearer: admin }), 200, { count: 0 });
    expectBody(await req('GET', '/auth-clients/count?where[id]=99999999999', { bearer: admin }), 200, { count: 0 });
    expectBody(await req('PATCH', `/auth-clients?where=${q({ id: 99999999999 })}`, { bearer: admin, json: { redirectUrl: 'http://x/cb' } }), 200, { count: 0 });
  });

  it('answers a text/plain body on a JSON operation with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const body = JSON.stringify(fx.login());
    expectBody(await req('POST', '/auth/login-token', { raw: body, headers: { 'content-type': 'text/plain' } }), 415, unsupported('text/plain'));
    expectBody(await req('POST', '/auth/token', { raw: body, headers: { 'content-type': 'text/plain' } }), 415, unsupported('text/plain'));
  });

  it('names the content type as sent, parameters included, in the 415 message', async () => {
    const r = await req('POST', '/auth/login-token', { raw: JSON.stringify(fx.login()), headers: { 'content-type': 'text/plain; charset=utf-8' } });
    expectBody(r, 415, unsupported('text/plain; charset=utf-8'));
  });

  it('answers a form-encoded body on a JSON operation with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    expectBody(await req('POST', '/auth/login-token', { form: fx.login() }), 415, unsupported('application/x-www-form-urlencoded'));
    expectBody(await req('PATCH', `/auth-clients/${fx.web.id}`, { bearer: admin, form: { clientId: 'y' } }), 415, unsupported('application/x-www-form-urlencoded'));
  });

  it('answers a malformed content type on a JSON operation with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    expectBody(await req('POST', '/auth/login-token', { raw: '{}', headers: { 'content-type': 'garbage' } }), 415, unsupported('garbage'));
  });

  it('answers text/plain and form bodies on the shared POST /auth/login with ARC 415', async () => {
    expectBody(await req('POST', '/auth/login', { raw: JSON.stringify(fx.login()), headers: { 'content-type': 'text/plain' } }), 415, unsupported('text/plain'));
    expectBody(await req('POST', '/auth/login', { form: fx.login() }), 415, unsupported('application/x-www-form-urlencoded'));
  });

  it('keeps the basic sign-in and its envelope on POST /auth/login with a JSON body', async () => {
    const ok = await req('POST', '/auth/login', { json: { email: 'xyz@gmail.com', password: 'temp123!@' } });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.tokens.access.token).toEqual(expect.any(String));
    const bad = await req('POST', '/auth/login', { json: { email: 'xyz@gmail.com' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { name: 'ZodError' }, status: 400 });
  });

  it('answers a JSON body on a form-only social login with 415 naming the form type, and still takes forms', async () => {
    expectBody(await req('POST', '/auth/google', { json: { client_id: 'web', client_secret: 'test' } }), 415, unsupported('application/json', 'application/x-www-form-urlencoded'));
    const form = await req('POST', '/auth/google', { form: { client_id: 'web', client_secret: 'test' } });
    expectBody(form, 400, { error: { statusCode: 400, name: 'BadRequestError', message: 'Social login provider google is not configured' } });
  });

  it('ignores the body of an operation that takes none, whatever its content type', async () => {
    const r = await req('DELETE', '/otp-caches/nobody', { bearer: admin, raw: 'whatever', headers: { 'content-type': 'text/plain' } });
    expect(r.status, r.text).toBe(204);
  });

  it('reads a body sent without a content type as JSON, as LoopBack does', async () => {
    const r = await fetch(`${srv.url}/auth/login-token`, { method: 'POST', body: new TextEncoder().encode(JSON.stringify(fx.login())) });
    expect(r.headers.get('content-type') ?? '').not.toContain('text/plain');
    expect(r.status, await r.clone().text()).toBe(200);
    expect(((await r.json()) as { accessToken?: string }).accessToken).toEqual(expect.any(String));
  });

  it('lists additionalProperties errors before required ones in 422 details', async () => {
    const r = await req('POST', '/auth/login-token', { json: { clientId: 'web', clientSecret: 'test' } });
    const extra = (p: string) => ({ path: '', code: 'additionalProperties', message: 'should NOT have additional properties', info: { additionalProperty: p } });
    const required = (p: string) => ({ path: '', code: 'required', message: `should have required property '${p}'`, info: { missingProperty: p } });
    expectBody(r, 422, {
      error: {
        statusCode: 422,
        name: 'UnprocessableEntityError',
        message: 'The request body is invalid. See error object `details` property for more info.',
        code: 'VALIDATION_FAILED',
        details: [extra('clientId'), extra('clientSecret'), required('client_id'), required('client_secret'), required('username'), required('password')],
      },
    });
    const shared = await req('POST', '/auth/login', { json: { clientId: 'web', clientSecret: 'test' } });
    expect(shared.status).toBe(422);
    expect(shared.body.error.details.map((d: { code: string }) => d.code)).toEqual(['additionalProperties', 'additionalProperties', 'required', 'required', 'required', 'required']);
  });

  it('carries the time of this login as lastLogin after the web flow; login-token carries the previous one', async () => {
    const lastLoginInDb = async () => new Date((await srv.core.accounts.byUsername('test_user'))!.last_login_at!).toISOString();
    const code = await req('POST', '/auth/login', { json: fx.login() });
    expect(code.status, code.text).toBe(200);
    const before = await lastLoginInDb();
    await new Promise((r) => setTimeout(r, 5));
    const web = await req('POST', '/auth/token', { json: { code: code.body.code, clientId: 'web' } });
    expect(web.status, web.text).toBe(200);
    const thisLogin = await lastLoginInDb();
    expect(thisLogin > before).toBe(true);
    expect(decode(web.body.accessToken).lastLogin).toBe(thisLogin);
    const me = await req('GET', '/auth/me', { bearer: web.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.lastLogin).toBe(thisLogin);

    await new Promise((r) => setTimeout(r, 5));
    const mobile = await req('POST', '/auth/login-token', { json: fx.login() });
    expect(mobile.status).toBe(200);
    expect(decode(mobile.body.accessToken).lastLogin).toBe(thisLogin);
    expect((await req('GET', '/auth/me', { bearer: mobile.body.accessToken })).body.lastLogin).toBe(thisLogin);
    expect(await lastLoginInDb()).not.toBe(thisLogin);
  });
});
