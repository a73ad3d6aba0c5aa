import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { signHs256 } from '../../src/core/tokens/jwt.js';
import { client, decode, describeDb, startServer, type Res, type TestServer } from '../support/server.js';
import { arcFixture } from '../support/fixtures/arc.js';

/** Reference §9, as changed by DESIGN.md's decisions. Requests replay in order, as the original suite did. */
await describeDb('arc replay checklist', () => {
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  let fx: Awaited<ReturnType<typeof arcFixture>>;
  const nested = (r: Res, status: number, message: string) => {
    expect(r.status).toBe(status);
    expect(r.body).toEqual({ error: { statusCode: status, name: expect.any(String), message: { message } } });
  };
  const plain = (r: Res, status: number, message: string) => {
    expect(r.status).toBe(status);
    expect(r.body.error.statusCode).toBe(status);
    expect(r.body.error.message).toBe(message);
  };
  const tokens = async (password = 'temp123!@', headers: Record<string, string> = {}) => {
    const r = await req('POST', '/auth/login-token', { json: fx.login(password), headers });
    expect(r.status).toBe(200);
    return r.body as { accessToken: string; refreshToken: string; expires: number };
  };

  beforeAll(async () => {
    srv = await startServer();
    req = client(srv.url);
    fx = await arcFixture(srv.core);
  });
  afterAll(() => srv.close());

  it('#1 empty login body → 422 VALIDATION_FAILED with four required details', async () => {
    const r = await req('POST', '/auth/login', { json: {} });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('VALIDATION_FAILED');
    expect(r.body.error.name).toBe('UnprocessableEntityError');
    expect(r.body.error.details.filter((d: { code: string }) => d.code === 'required')).toHaveLength(4);
    expect(r.body.error.details[0]).toEqual({ path: '', code: 'required', message: "should have required property 'client_id'", info: { missingProperty: 'client_id' } });
  });

  it('#2 camelCase clientId/clientSecret → 422 with additionalProperties', async () => {
    const r = await req('POST', '/auth/login', { json: { clientId: 'web', clientSecret: 'blah' } });
    expect(r.status).toBe(422);
    const codes = r.body.error.details.map((d: { code: string }) => d.code);
    expect(codes).toContain('additionalProperties');
    expect(codes).toContain('required');
  });

  it('#3 form-encoded login → 415', async () => {
    const r = await req('POST', '/auth/login', { form: fx.login() });
    expect(r.status).toBe(415);
    expect(r.body.error.statusCode).toBe(415);
  });

  it('#4 unknown client or wrong secret → 401 nested Client Invalid', async () => {
    nested(await req('POST', '/auth/login', { json: { ...fx.login(), client_id: 'web1', client_secret: 'blah1' } }), 401, 'Client Invalid');
    nested(await req('POST', '/auth/login', { json: { ...fx.login(), client_secret: 'nope' } }), 401, 'Client Invalid');
  });

  it('#5 wrong password or unknown user → 401 nested Invalid Credentials', async () => {
    nested(await req('POST', '/auth/login', { json: fx.login('wrong') }), 401, 'Invalid Credentials');
    nested(await req('POST', '/auth/login', { json: { ...fx.login(), username: 'someuser' } }), 401, 'Invalid Credentials');
  });

  it('#6 empty password → 401 nested Missing credentials', async () => {
    nested(await req('POST', '/auth/login', { json: fx.login('') }), 401, 'Missing credentials');
  });

  it('#7 user with status registered → 400 "User not active yet"', async () => {
    await srv.core.accounts.create({ username: 'pending', password: 'pw-pending', status: 0, clientIds: [fx.web.id] });
    plain(await req('POST', '/auth/login', { json: { ...fx.login('pw-pending'), username: 'pending' } }), 400, 'User not active yet');
  });

  it('#8 login OK → {code}: HS256 JWT signed with the client secret, aud web, exp +180', async () => {
    const r = await req('POST', '/auth/login', { json: { ...fx.login(), username: 'TEST_USER' } });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['code']);
    const [h, p, s] = r.body.code.split('.');
    expect(createHmac('sha256', 'poiuytrewq').update(`${h}.${p}`).digest('base64url')).toBe(s);
    const c = decode(r.body.code);
    expect(c).toMatchObject({ clientId: 'web', userId: fx.user.uuid, aud: 'web', iss: 'sourcefuse' });
    expect((c.exp as number) - (c.iat as number)).toBe(180);
  });

  it('#9-#11 /auth/token: unknown client, garbage or foreign code, expired code', async () => {
    const { body } = await req('POST', '/auth/login', { json: fx.login() });
    plain(await req('POST', '/auth/token', { json: { clientId: 'nope', code: body.code } }), 401, 'Client Invalid');
    plain(await req('POST', '/auth/token', { json: { clientId: 'web', code: 'garbage' } }), 401, 'Invalid Credentials');
    const foreign = signHs256({ clientId: 'web', userId: fx.user.uuid, aud: 'web', iss: 'sourcefuse', exp: Math.floor(Date.now() / 1000) + 60 }, 'other-secret');
    plain(await req('POST', '/auth/token', { json: { clientId: 'web', code: foreign } }), 401, 'Invalid Credentials');
    const expired = signHs256({ clientId: 'web', userId: fx.user.uuid, aud: 'web', iss: 'sourcefuse', exp: Math.floor(Date.now() / 1000) - 5 }, 'poiuytrewq');
    plain(await req('POST', '/auth/token', { json: { clientId: 'web', code: expired } }), 401, 'Code Expired');
  });

  it('#12 /auth/token OK → TokenResponse; decision 1: a second exchange of the code fails', async () => {
    const { body } = await req('POST', '/auth/login', { json: fx.login() });
    const r = await req('POST', '/auth/token', { json: { clientId: 'web', code: body.code }, headers: { device_id: 'dev1', 'user-agent': 'ua1' } });
    expect(r.status).toBe(200);
    expect(r.body.refreshToken).toMatch(/^[0-9a-f]{64}$/);
    expect(Math.abs(r.body.expires - (Date.now() + 900_000))).toBeLessThan(5000);
    const claims = decode(r.body.accessToken);
    expect(claims).toMatchObject({
      id: fx.user.uuid,
      firstName: 'Test',
      lastName: 'User',
      username: 'test_user',
      email: 'xyz@gmail.com',
      authClientIds: `{${fx.web.id}}`,
      dob: '1996-11-05T00:00:00.000Z',
      role: '0',
      authClientId: fx.web.id,
      deviceInfo: { deviceId: 'dev1', userAgent: 'ua1' },
      userPreferences: { locale: 'en' },
      status: 1,
      iss: 'sourcefuse',
    });
    expect(claims.permissions).toContain('NotAllowed');
    expect(typeof claims.age).toBe('number');
    expect(claims).not.toHaveProperty('aud');
    const [h, p, s] = r.body.accessToken.split('.');
    expect(createHmac('sha256', 'supersecret').update(`${h}.${p}`).digest('base64url')).toBe(s);
    plain(await req('POST', '/auth/token', { json: { clientId: 'web', code: body.code } }), 401, 'Code Expired');
  });

  it('#13 /auth/token for a user not allowed on the client → 401 Client Invalid', async () => {
    await srv.core.accounts.create({ username: 'outsider', password: 'pw-outsider' });
    const { body } = await req('POST', '/auth/login', { json: { ...fx.login('pw-outsider'), username: 'outsider' } });
    expect(body.code).toBeTruthy();
    plain(await req('POST', '/auth/token', { json: { clientId: 'web', code: body.code } }), 401, 'Client Invalid');
  });

  it('#14-#17 login-token: OK, inactive, registered, not on the client', async () => {
    await tokens();
    await srv.core.accounts.create({ username: 'sleepy', password: 'pw-sleepy', status: 2, clientIds: [fx.web.id] });
    nested(await req('POST', '/auth/login-token', { json: { ...fx.login('pw-sleepy'), username: 'sleepy' } }), 401, 'UserInactive');
    plain(await req('POST', '/auth/login-token', { json: { ...fx.login('pw-pending'), username: 'pending' } }), 400, 'Your Sign-Up request is in process');
    nested(await req('POST', '/auth/login-token', { json: { ...fx.login('pw-outsider'), username: 'outsider' } }), 401, 'Client Invalid');
  });

  it('#18-#20 /auth/me: no token, bad token, OK (claims minus deviceInfo/iat/exp/iss)', async () => {
    plain(await req('GET', '/auth/me'), 401, 'Bearer realm="Users"');
    nested(await req('GET', '/auth/me', { bearer: 'nonsense' }), 401, 'TokenExpired');
    const wrongIssuer = signHs256({ id: fx.user.uuid, permissions: [], iss: 'other' }, 'supersecret');
    nested(await req('GET', '/auth/me', { bearer: wrongIssuer }), 401, 'TokenExpired');
    const t = await tokens();
    const r = await req('GET', '/auth/me', { headers: { authorization: `bearer ${t.accessToken}` } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: fx.user.uuid, username: 'test_user', permissions: expect.any(Array), age: expect.any(Number) });
    for (const k of ['deviceInfo', 'iat', 'exp', 'iss']) expect(r.body).not.toHaveProperty(k);
    expect((await req('GET', `/auth/me?access_token=${t.accessToken}`)).status).toBe(200);
  });

  it('#21-#24 token-refresh: 422, unknown rt, wrong pair, rotation', async () => {
    expect((await req('POST', '/auth/token-refresh', { json: {} })).status).toBe(422);
    const t = await tokens();
    plain(await req('POST', '/auth/token-refresh', { json: { refreshToken: 'f'.repeat(64) }, bearer: t.accessToken }), 401, 'Token Expired');
    plain(await req('POST', '/auth/token-refresh', { json: { refreshToken: t.refreshToken } }), 401, 'Token Invalid');
    plain(await req('POST', '/auth/token-refresh', { json: { refreshToken: t.refreshToken }, bearer: 'abc' }), 401, 'Token Invalid');
    // The scheme word is ignored, as in the original.
    const r = await req('POST', '/auth/token-refresh', { json: { refreshToken: t.refreshToken }, headers: { authorization: `Token ${t.accessToken}` } });
    expect(r.status).toBe(200);
    expect(r.body.refreshToken).not.toBe(t.refreshToken);
    nested(await req('GET', '/auth/me', { bearer: t.accessToken }), 401, 'TokenRevoked');
    expect((await req('GET', '/auth/me', { bearer: r.body.accessToken })).status).toBe(200);
    plain(await req('POST', '/auth/token-refresh', { json: { refreshToken: t.refreshToken }, bearer: t.accessToken }), 401, 'Token Expired');
    // Decision 7: that reuse ended the family, so the rotated pair is dead too.
    plain(await req('POST', '/auth/token-refresh', { json: { refreshToken: r.body.refreshToken }, bearer: r.body.accessToken }), 401, 'Token Expired');
    nested(await req('GET', '/auth/me', { bearer: r.body.accessToken }), 401, 'TokenRevoked');
  });

  it('#25-#28 logout', async () => {
    const t = await tokens();
    const other = await tokens();
    plain(await req('POST', '/logout', { json: {}, bearer: t.accessToken }), 422, 'TokenMissing');
    plain(await req('POST', '/logout', { json: { refreshToken: 'aaaa' }, bearer: t.accessToken }), 401, 'Token Expired');
    plain(await req('POST', '/logout', { json: { refreshToken: other.refreshToken }, bearer: t.accessToken }), 401, 'Token Invalid');
    plain(await req('POST', '/logout', { json: { refreshToken: t.refreshToken } }), 401, 'Bearer realm="Users"');
    const r = await req('POST', '/logout', { json: { refreshToken: t.refreshToken }, bearer: t.accessToken });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ success: true, key: fx.user.uuid });
    nested(await req('GET', '/auth/me', { bearer: t.accessToken }), 401, 'TokenRevoked');
    const k = await req('POST', '/keycloak/logout', { json: { refreshToken: other.refreshToken }, bearer: other.accessToken });
    expect(k.body).toEqual({ success: true, key: fx.user.uuid });
  });

  it('#29-#33 change-password', async () => {
    const t = await tokens();
    plain(await req('PATCH', '/auth/change-password', { json: { username: 'test_user', password: 'x' }, bearer: t.accessToken }), 422, 'TokenMissing');
    plain(await req('PATCH', '/auth/change-password', { json: { username: 'someone', password: 'x', oldPassword: 'temp123!@', refreshToken: t.refreshToken }, bearer: t.accessToken }), 403, 'NotAllowedAccess');
    plain(await req('PATCH', '/auth/change-password', { json: { username: 'test_user', password: 'x', oldPassword: 'nope', refreshToken: t.refreshToken }, bearer: t.accessToken }), 401, 'Incorrect Password');
    plain(
      await req('PATCH', '/auth/change-password', { json: { username: 'test_user', password: 'temp123!@', oldPassword: 'temp123!@', refreshToken: t.refreshToken }, bearer: t.accessToken }),
      401,
      'Password cannot be same as previous password!',
    );
    // Decision 5: a password session must give the old password.
    const noOld = await req('PATCH', '/auth/change-password', { json: { username: 'test_user', password: 'new_test_password', refreshToken: t.refreshToken }, bearer: t.accessToken });
    expect(noOld.status).toBe(422);
    expect(noOld.body.error.details[0].info).toEqual({ missingProperty: 'oldPassword' });
    const ok = await req('PATCH', '/auth/change-password', { json: { username: 'test_user', password: 'new_test_password', oldPassword: 'temp123!@', refreshToken: t.refreshToken }, bearer: t.accessToken });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ success: true });
    nested(await req('GET', '/auth/me', { bearer: t.accessToken }), 401, 'TokenRevoked');
    plain(await req('POST', '/auth/token-refresh', { json: { refreshToken: t.refreshToken }, bearer: t.accessToken }), 401, 'Token Expired');
    nested(await req('POST', '/auth/login-token', { json: fx.login('temp123!@') }), 401, 'Invalid Credentials');
    await tokens('new_test_password');
  });

  it('#34-#37 forget-password: decision 2 (anonymous → 204 and a mail; trusted bearer → the full body)', async () => {
    const body = { client_id: 'web', client_secret: 'test', username: 'test_user' };
    const anon = await req('POST', '/auth/forget-password', { json: body });
    expect(anon.status).toBe(204);
    expect(anon.text).toBe('');
    const unknown = await req('POST', '/auth/forget-password', { json: { ...body, username: 'testuser' } });
    expect(unknown.status).toBe(204);
    nested(await req('POST', '/auth/forget-password', { json: { ...body, client_secret: 'testt' } }), 401, 'Client Invalid');
    const admin = await tokens('new_test_password');
    const r = await req('POST', '/auth/forget-password', { json: body, bearer: admin.accessToken });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ expiry: 1800, email: 'xyz@gmail.com', user: { id: fx.user.uuid, username: 'test_user', deleted: false } });
    expect(decode(r.body.code)).toMatchObject({ clientId: 'web', user: { id: fx.user.uuid, username: 'test_user', email: 'xyz@gmail.com' }, aud: 'web', sub: 'test_user', iss: 'sourcefuse' });
    expect(JSON.stringify(r.body)).not.toMatch(/argon2|\$2[aby]\$/);
    plain(await req('POST', '/auth/forget-password', { json: { ...body, username: 'testuser' }, bearer: admin.accessToken }), 404, 'User not found !');
    await srv.core.accounts.create({ username: 'nomail', password: 'pw-nomail' });
    plain(await req('POST', '/auth/forget-password', { json: { ...body, username: 'nomail' }, bearer: admin.accessToken }), 422, 'No email exists for the user !');
  });

  it('#38-#39 verify link and reset-password (single use, sessions end)', async () => {
    const admin = await tokens('new_test_password');
    const body = { client_id: 'web', client_secret: 'test', username: 'test_user' };
    const { code } = (await req('POST', '/auth/forget-password', { json: body, bearer: admin.accessToken })).body as { code: string };
    const missing = await req('GET', '/auth/verify-reset-password-link');
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('MISSING_REQUIRED_PARAMETER');
    plain(await req('GET', '/auth/verify-reset-password-link?token=garbage'), 401, 'Token Expired');
    plain(await req('GET', `/auth/verify-reset-password-link?token=${admin.accessToken}`), 401, 'Token Expired');
    const v = await req('GET', `/auth/verify-reset-password-link?token=${code}`);
    expect(v.status).toBe(200);
    expect(v.body).toEqual({ success: true });
    expect((await req('PATCH', '/auth/reset-password', { json: { client_id: 'web', client_secret: 'test', password: 'x' } })).status).toBe(422);
    expect((await req('PATCH', '/auth/reset-password', { json: { client_id: 'web', client_secret: 'test', token: code } })).status).toBe(422);
    const ok = await req('PATCH', '/auth/reset-password', { json: { client_id: 'web', client_secret: 'test', token: code, password: 'test123@#' } });
    expect(ok.status).toBe(204);
    plain(await req('PATCH', '/auth/reset-password', { json: { client_id: 'web', client_secret: 'test', token: code, password: 'again123@#' } }), 401, 'TokenRevoked');
    plain(await req('GET', `/auth/verify-reset-password-link?token=${code}`), 401, 'TokenRevoked');
    // The reset ended the sessions that existed before it.
    nested(await req('GET', '/auth/me', { bearer: admin.accessToken }), 401, 'TokenRevoked');
    await tokens('test123@#');
  });

  it('#40-#42 sign-up: anonymous 204, trusted 200 {code}; verify-token; create-user creates and consumes', async () => {
    const anon = await req('POST', '/auth/sign-up/create-token', { json: { email: 'new@x.com' } });
    expect(anon.status).toBe(204);
    const admin = await tokens('test123@#');
    const r = await req('POST', '/auth/sign-up/create-token', { json: { email: 'new@x.com' }, bearer: admin.accessToken });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ expiry: 1800, email: 'new@x.com', code: expect.any(String) });
    const v = await req('GET', '/auth/sign-up/verify-token', { bearer: r.body.code });
    expect(v.status).toBe(200);
    expect(v.body).toMatchObject({ email: 'new@x.com', sub: 'new@x.com', iss: 'sourcefuse', exp: expect.any(Number) });
    // A sign-up code is not an access token, and an access token is not a sign-up code.
    nested(await req('GET', '/auth/me', { bearer: r.body.code }), 401, 'TokenExpired');
    nested(await req('GET', '/auth/sign-up/verify-token', { bearer: admin.accessToken }), 401, 'TokenExpired');
    const other = await req('POST', '/auth/sign-up/create-user', { json: { email: 'someone-else@x.com', password: 'pw' }, bearer: r.body.code });
    plain(other, 403, 'NotAllowedAccess');
    const c = await req('POST', '/auth/sign-up/create-user', { json: { email: 'new@x.com', password: 'new-user-pw', firstName: 'New' }, bearer: r.body.code });
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ email: 'new@x.com', user: { email: 'new@x.com', username: 'new@x.com', firstName: 'New' } });
    expect(c.body.user).not.toHaveProperty('password');
    nested(await req('POST', '/auth/sign-up/create-user', { json: { email: 'new@x.com', password: 'pw2' }, bearer: r.body.code }), 401, 'TokenRevoked');
    expect(await srv.core.accounts.byEmail('new@x.com')).toBeTruthy();
  });

  it('#43 /otp-caches (decision 3: admin bearer) and OTP-as-password login', async () => {
    expect((await req('POST', '/otp-caches', { json: { otp: '123456', username: 'test_user' } })).status).toBe(401);
    const userOnly = await srv.core.accounts.create({ username: 'plain_user', password: 'pw-plain', clientIds: [fx.web.id] });
    expect(userOnly.uuid).toBeTruthy();
    const plainTokens = (await req('POST', '/auth/login-token', { json: { ...fx.login('pw-plain'), username: 'plain_user' } })).body;
    plain(await req('POST', '/otp-caches', { json: { otp: '123456', username: 'test_user' }, bearer: plainTokens.accessToken }), 403, 'NotAllowedAccess');
    const admin = await tokens('test123@#');
    const set = await req('POST', '/otp-caches', { json: { otp: '123456', username: 'test_user' }, bearer: admin.accessToken });
    expect(set.status).toBe(204);
    const got = await req('GET', '/otp-caches/test_user', { bearer: admin.accessToken });
    expect(got.body).toEqual({ otp: '123456', username: 'test_user' });
    const none = await req('GET', '/otp-caches/nobody', { bearer: admin.accessToken });
    expect(none.status).toBe(200);
    expect(none.text).toBe('null');
    const viaOtp = await req('POST', '/auth/login-token', { json: fx.login('123456') });
    expect(viaOtp.status).toBe(200);
    // A session that began with an OTP may set a password without the old one (decision 5).
    const ch = await req('PATCH', '/auth/change-password', { json: { username: 'test_user', password: 'after-otp-1', refreshToken: viaOtp.body.refreshToken }, bearer: viaOtp.body.accessToken });
    expect(ch.status).toBe(200);
    expect((await req('DELETE', '/otp-caches/test_user', { bearer: (await tokens('after-otp-1')).accessToken })).status).toBe(204);
    nested(await req('POST', '/auth/login-token', { json: fx.login('123456') }), 401, 'Invalid Credentials');
  });

  it('#44-#46 /auth-clients CRUD with the NotAllowed permission and LoopBack filters', async () => {
    expect((await req('GET', '/auth-clients')).status).toBe(401);
    const plainTokens = (await req('POST', '/auth/login-token', { json: { ...fx.login('pw-plain'), username: 'plain_user' } })).body;
    plain(await req('GET', '/auth-clients', { bearer: plainTokens.accessToken }), 403, 'NotAllowedAccess');
    const bearer = (await tokens('after-otp-1')).accessToken;
    const created = await req('POST', '/auth-clients', {
      bearer,
      json: { clientId: 'test_client_id', clientSecret: 'test_client_secret', secret: 'test_secret', accessTokenExpiration: 1800, refreshTokenExpiration: 1800, authCodeExpiration: 1800 },
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ deleted: false, clientId: 'test_client_id', clientSecret: 'test_client_secret', secret: 'test_secret', id: expect.any(Number) });
    const id = created.body.id as number;
    expect((await req('POST', '/auth-clients', { bearer, json: { ...created.body } })).status).toBe(422);
    const one = await req('GET', `/auth-clients/${id}`, { bearer });
    expect(one.body.clientSecret).toBe('test_client_secret');
    expect((await req('PATCH', `/auth-clients/${id}`, { bearer, json: { clientId: 'test_client_id_updated' } })).status).toBe(204);
    expect((await req('GET', `/auth-clients/${id}`, { bearer })).body.clientId).toBe('test_client_id_updated');
    const list = await req('GET', `/auth-clients?filter=${encodeURIComponent(JSON.stringify({ where: { clientId: 'test_client_id_updated' }, fields: { clientId: true } }))}`, { bearer });
    expect(list.body).toEqual([{ clientId: 'test_client_id_updated' }]);
    const bracket = await req('GET', '/auth-clients?filter[where][clientId]=web&filter[fields][clientId]=true&filter[fields][id]=true', { bearer });
    expect(bracket.body).toEqual([{ id: fx.web.id, clientId: 'web' }]);
    const ordered = await req('GET', `/auth-clients?filter=${encodeURIComponent(JSON.stringify({ order: 'id DESC', limit: 1 }))}`, { bearer });
    expect(ordered.body).toHaveLength(1);
    expect(ordered.body[0].id).toBe(id);
    const bad = await req('GET', '/auth-clients?filter={nope', { bearer });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_PARAMETER_VALUE');
    const count = await req('GET', `/auth-clients/count?where=${encodeURIComponent(JSON.stringify({ accessTokenExpiration: { gt: 1000 } }))}`, { bearer });
    expect(count.body).toEqual({ count: 1 });
    const bulk = await req('PATCH', `/auth-clients?where=${encodeURIComponent(JSON.stringify({ id }))}`, { bearer, json: { redirectUrl: 'http://x/cb' } });
    expect(bulk.body).toEqual({ count: 1 });
    const put = await req('PUT', `/auth-clients/${id}`, { bearer, json: { clientId: 'test_client_id', clientSecret: 's2', secret: 'k2', accessTokenExpiration: 60, refreshTokenExpiration: 60, authCodeExpiration: 60 } });
    expect(put.status).toBe(204);
    expect((await req('PUT', `/auth-clients/${id}`, { bearer, json: { clientId: 'partial' } })).status).toBe(422);
    expect((await req('DELETE', `/auth-clients/${id}`, { bearer })).status).toBe(204);
    const gone = await req('GET', `/auth-clients/${id}`, { bearer });
    plain(gone, 404, 'EntityNotFound');
    const missing = await req('PATCH', '/auth-clients/999', { bearer, json: { clientId: 'x' } });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ name: 'Error', code: 'ENTITY_NOT_FOUND', message: ' auth_clients with id 999' });
    expect((await req('GET', '/auth-clients/abc', { bearer })).status).toBe(400);
  });

  it('#47 social login: form-encoded only, client checked, then "not configured"', async () => {
    expect((await req('POST', '/auth/google', { json: { client_id: 'web', client_secret: 'test' } })).status).toBe(415);
    nested(await req('POST', '/auth/google', { form: { client_id: 'web', client_secret: 'bad' } }), 401, 'Client Invalid');
    plain(await req('POST', '/auth/google', { form: { client_id: 'web', client_secret: 'test' } }), 400, 'Social login provider google is not configured');
    plain(await req('GET', '/auth/keycloak-auth-redirect?code=x&state=client_id%3Dweb'), 400, 'Social login provider keycloak is not configured');
  });

  it('#49 unknown paths → 404 (decision 10)', async () => {
    const r = await req('GET', '/nope');
    expect(r.status).toBe(404);
    expect(r.body.error.statusCode).toBe(404);
    expect((await req('GET', '/auth/login')).status).toBe(404);
  });
});

await describeDb('arc input rules found by fuzzing', () => {
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  beforeAll(async () => {
    srv = await startServer();
    req = client(srv.url);
    await arcFixture(srv.core);
  });
  afterAll(() => srv.close());

  it('a refused create-user leaves the sign-up code usable', async () => {
    const admin = (await req('POST', '/auth/login-token', { json: { client_id: 'web', client_secret: 'test', username: 'test_user', password: 'temp123!@' } })).body;
    const { code } = (await req('POST', '/auth/sign-up/create-token', { json: { email: 'n@b.c' }, bearer: admin.accessToken })).body as { code: string };
    const bad = await req('POST', '/auth/sign-up/create-user', { json: { email: 'n@b.c', password: 'pw', phone: 'abc' }, bearer: code });
    expect(bad.status).toBe(422);
    const ok = await req('POST', '/auth/sign-up/create-user', { json: { email: 'n@b.c', password: 'pw' }, bearer: code });
    expect(ok.status).toBe(200);
  });

  it('an empty new password is refused with 422 and the old one keeps working', async () => {
    const t = (await req('POST', '/auth/login-token', { json: { client_id: 'web', client_secret: 'test', username: 'test_user', password: 'temp123!@' } })).body;
    const r = await req('PATCH', '/auth/change-password', { json: { refreshToken: t.refreshToken, username: 'test_user', password: '', oldPassword: 'temp123!@' }, bearer: t.accessToken });
    expect(r.status).toBe(422);
    expect(r.body.error.statusCode).toBe(422);
    expect((await req('POST', '/auth/login-token', { json: { client_id: 'web', client_secret: 'test', username: 'test_user', password: 'temp123!@' } })).status).toBe(200);
  });
});
