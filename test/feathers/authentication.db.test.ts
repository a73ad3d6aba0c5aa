/**
 * The Feathers `authentication` service and `/auth/refresh`, driven by the official client
 * packages over REST and socket.io: sign-in by each identifier, the result's shape and claims,
 * JWT re-authentication, refresh rotation with reuse detection, sign-out, and the shared rules
 * (lockout, TOTP, blocked accounts).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Secret, TOTP } from 'otpauth';
import { client, decode, describeDb, startServer, type TestServer } from '../support/server.js';
import { restClient, socketClient } from '../support/feathers-client.js';

const PASSWORD = 'correct horse battery';

await describeDb('feathers authentication', () => {
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  let userId: number;

  beforeAll(async () => {
    srv = await startServer({ loginMaxFailures: 3, feathersJwtIssuer: 'coralpen', feathersJwtAudience: 'localhost' });
    req = client(srv.url);
    const created = await req('POST', '/users', { json: { email: 'steffan@example.com', username: 'steffan', phone: '+4790000001', password: PASSWORD, first_name: 'Steffan' } });
    expect(created.status).toBe(201);
    userId = created.body.id;
  });
  afterAll(async () => srv?.close());

  it('signs in by email, username and phone with the official REST client, answering the original result shape', async () => {
    for (const by of [{ email: 'steffan@example.com' }, { username: 'steffan' }, { phone: '+4790000001' }]) {
      const app = restClient(srv.url);
      const r = await app.authenticate({ strategy: 'local', ...by, password: PASSWORD });
      expect(Object.keys(r)).toEqual(['accessToken', 'authentication', 'user', 'refreshToken']);
      expect(r.authentication.strategy).toBe('local');
      expect(r.user).toMatchObject({ id: userId, username: 'steffan', email: 'steffan@example.com', first_name: 'Steffan' });
      expect(r.user).not.toHaveProperty('password');
      expect(r.refreshToken).toMatch(/^[0-9a-f]{64}$/);
      const header = JSON.parse(Buffer.from(r.accessToken.split('.')[0], 'base64url').toString('utf8'));
      expect(header).toMatchObject({ alg: 'HS256', typ: 'access' });
      const claims = decode(r.accessToken);
      expect(Object.keys(claims)).toEqual(['global_roles', 'groups', 'iat', 'exp', 'aud', 'iss', 'sub', 'jti']);
      expect(claims).toMatchObject({ sub: String(userId), aud: 'localhost', iss: 'coralpen' });
      expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.authentication.payload).toEqual(claims);
      expect(await app.service('users').get(userId)).toMatchObject({ id: userId });
    }
  });

  it('refuses a wrong password with 401 NotAuthenticated "Invalid login", the same as an unknown account', async () => {
    const wrong = await req('POST', '/authentication', { json: { strategy: 'local', email: 'steffan@example.com', password: 'nope' } });
    const unknown = await req('POST', '/authentication', { json: { strategy: 'local', email: 'nobody@example.com', password: 'nope' } });
    for (const r of [wrong, unknown]) expect(r.body).toEqual({ name: 'NotAuthenticated', message: 'Invalid login', code: 401, className: 'not-authenticated' });
    expect(wrong.status).toBe(401);
  });

  it('rejects malformed sign-in bodies with 400 BadRequest and the schema errors in data', async () => {
    const r = await req('POST', '/authentication', { json: { strategy: 'magic', email: 'x' } });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ name: 'BadRequest', message: 'validation failed', code: 400, className: 'bad-request' });
    expect(Array.isArray(r.body.data)).toBe(true);
    const bad = await req('POST', '/authentication', { raw: '{"strategy":', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ name: 'BadRequest', code: 400 });
  });

  it('re-authenticates by JWT with the same token and a refresh token that rotates', async () => {
    const app = restClient(srv.url);
    const first = await app.authenticate({ strategy: 'local', email: 'steffan@example.com', password: PASSWORD });
    const again = await req('POST', '/authentication', { json: { strategy: 'jwt', accessToken: first.accessToken } });
    expect(again.status).toBe(201);
    expect(again.body.accessToken).toBe(first.accessToken);
    expect(again.body.authentication).toMatchObject({ strategy: 'jwt', accessToken: first.accessToken });
    expect(again.body.refreshToken).toMatch(/^[0-9a-f]{64}$/);
    const refreshed = await req('POST', '/auth/refresh', { bearer: first.accessToken, json: { strategy: 'jwt', accessToken: first.accessToken, refreshToken: again.body.refreshToken } });
    expect(refreshed.status).toBe(201);
    expect(refreshed.body.accessToken).not.toBe(first.accessToken);
    expect(decode(refreshed.body.accessToken).sub).toBe(String(userId));
  });

  it('rotates on /auth/refresh and ends the whole session when a rotated refresh token comes back', async () => {
    const login = (await req('POST', '/authentication', { json: { email: 'steffan@example.com', password: PASSWORD } })).body;
    const r1 = await req('POST', '/auth/refresh', { bearer: login.accessToken, json: { strategy: 'jwt', accessToken: login.accessToken, refreshToken: login.refreshToken } });
    expect(r1.status).toBe(201);
    const reuse = await req('POST', '/auth/refresh', { bearer: login.accessToken, json: { strategy: 'jwt', accessToken: login.accessToken, refreshToken: login.refreshToken } });
    expect(reuse.status).toBe(401);
    expect(reuse.body).toMatchObject({ name: 'NotAuthenticated', code: 401 });
    // The reuse ended the family: the token issued by the first rotation is dead too.
    const next = await req('POST', '/auth/refresh', { bearer: r1.body.accessToken, json: { strategy: 'jwt', accessToken: r1.body.accessToken, refreshToken: r1.body.refreshToken } });
    expect(next.status).toBe(401);
    expect((await req('GET', `/users/${userId}`, { bearer: r1.body.accessToken })).status).toBe(401);
  });

  it('lets exactly one of 10 parallel refreshes of one token succeed', async () => {
    const login = (await req('POST', '/authentication', { json: { email: 'steffan@example.com', password: PASSWORD } })).body;
    const all = await Promise.all(
      Array.from({ length: 10 }, () => req('POST', '/auth/refresh', { bearer: login.accessToken, json: { strategy: 'jwt', accessToken: login.accessToken, refreshToken: login.refreshToken } })),
    );
    expect(all.filter((r) => r.status === 201)).toHaveLength(1);
    expect(all.filter((r) => r.status === 401)).toHaveLength(9);
  });

  it('refuses a refresh token presented without the access token it was issued with', async () => {
    const login = (await req('POST', '/authentication', { json: { email: 'steffan@example.com', password: PASSWORD } })).body;
    const other = (await req('POST', '/authentication', { json: { email: 'steffan@example.com', password: PASSWORD } })).body;
    const r = await req('POST', '/auth/refresh', { json: { strategy: 'jwt', accessToken: other.accessToken, refreshToken: login.refreshToken } });
    expect(r.status).toBe(401);
  });

  it('signs out with DELETE /authentication: the token is refused afterwards, over REST and socket.io', async () => {
    const app = restClient(srv.url);
    const r = await app.authenticate({ strategy: 'local', email: 'steffan@example.com', password: PASSWORD });
    await app.logout();
    const after = await req('GET', `/users/${userId}`, { bearer: r.accessToken });
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({ name: 'NotAuthenticated', code: 401 });
    const refresh = await req('POST', '/auth/refresh', { bearer: r.accessToken, json: { strategy: 'jwt', accessToken: r.accessToken, refreshToken: r.refreshToken } });
    expect(refresh.status).toBe(401);

    const s = socketClient(srv.url);
    try {
      const sr = await s.app.authenticate({ strategy: 'local', email: 'steffan@example.com', password: PASSWORD });
      expect(await s.app.service('users').get(userId)).toMatchObject({ id: userId });
      await s.app.logout();
      await expect(s.app.service('users').get(userId)).rejects.toMatchObject({ name: 'NotAuthenticated', code: 401 });
      expect((await req('GET', `/users/${userId}`, { bearer: sr.accessToken })).status).toBe(401);
    } finally {
      s.close();
    }
  });

  it('answers a call with an expired, forged or re-spelled token with 401', async () => {
    const login = (await req('POST', '/authentication', { json: { email: 'steffan@example.com', password: PASSWORD } })).body;
    const [h, p, sig] = login.accessToken.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...decode(login.accessToken), sub: String(userId + 1000) })).toString('base64url')}.${sig}`;
    const respelled = `${h}.${p}.${sig}=`;
    for (const t of [forged, respelled, 'garbage', `${h}.${p}`]) expect((await req('GET', `/users/${userId}`, { bearer: t })).status).toBe(401);
    expect((await req('GET', `/users/${userId}`)).body).toEqual({ name: 'NotAuthenticated', message: 'Not authenticated', code: 401, className: 'not-authenticated' });
  });

  it('signs a socket in by the Authorization header of its handshake, as Feathers does', async () => {
    const login = (await req('POST', '/authentication', { json: { email: 'steffan@example.com', password: PASSWORD } })).body;
    const { io } = await import('socket.io-client');
    const socket = io(srv.url, { transports: ['polling'], extraHeaders: { Authorization: `Bearer ${login.accessToken}` }, forceNew: true, reconnection: false });
    try {
      const res = await new Promise<unknown[]>((resolve) => socket.emit('get', 'users', userId, {}, (...args: unknown[]) => resolve(args)));
      expect(res[0]).toBeNull();
      expect(res[1]).toMatchObject({ id: userId });
    } finally {
      socket.close();
    }
  });

  it('locks an account after repeated wrong passwords (429 TooManyRequests with Retry-After) and blocks nothing else', async () => {
    await req('POST', '/users', { json: { email: 'target@example.com', password: PASSWORD } });
    for (let i = 0; i < 3; i++) expect((await req('POST', '/authentication', { json: { email: 'target@example.com', password: 'wrong' } })).status).toBe(401);
    const locked = await req('POST', '/authentication', { json: { email: 'target@example.com', password: PASSWORD } });
    expect(locked.status).toBe(429);
    expect(locked.body).toMatchObject({ name: 'TooManyRequests', code: 429, className: 'too-many-requests' });
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await req('POST', '/authentication', { json: { email: 'steffan@example.com', password: PASSWORD } })).status).toBe(201);
  });

  it('signs in a blocked account nowhere and ends its tokens at once', async () => {
    const u = (await req('POST', '/users', { json: { email: 'blocked@example.com', password: PASSWORD } })).body;
    const login = (await req('POST', '/authentication', { json: { email: 'blocked@example.com', password: PASSWORD } })).body;
    const row = await srv.core.accounts.byId(u.id);
    // Status 2 is inactive; the trigger of migration 0004 feeds it to every node.
    await srv.store.db.updateTable('users').set({ status: 2 }).where('id', '=', u.id).execute();
    await srv.core.revocations.sync();
    expect(row).toBeDefined();
    expect((await req('GET', `/users/${u.id}`, { bearer: login.accessToken })).status).toBe(401);
    expect((await req('POST', '/authentication', { json: { email: 'blocked@example.com', password: PASSWORD } })).status).toBe(401);
    expect((await req('POST', '/auth/refresh', { bearer: login.accessToken, json: { accessToken: login.accessToken, refreshToken: login.refreshToken } })).status).toBe(401);
  });

  it('asks an account with TOTP for its code: without one the sign-in fails with reason totp-missing', async () => {
    const u = (await req('POST', '/users', { json: { email: 'totp@example.com', password: PASSWORD } })).body;
    const user = (await srv.core.accounts.byId(u.id))!;
    const secret = srv.core.secondFactor.newSecret();
    const code = () => new TOTP({ secret: Secret.fromBase32(secret.replace(/=/g, '')), algorithm: 'SHA1', digits: 6, period: 30 }).generate();
    await srv.core.secondFactor.enrol(user, secret, code());
    const r = await req('POST', '/authentication', { json: { email: 'totp@example.com', password: PASSWORD } });
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ name: 'NotAuthenticated', data: { reason: 'totp-missing' } });
    const ok = await req('POST', '/authentication', { json: { email: 'totp@example.com', password: PASSWORD, totp: code() } });
    expect(ok.status).toBe(201);
  });

  it('ends a personal access token signed out with DELETE /authentication: refused, and listed as revoked', async () => {
    const login = (await req('POST', '/authentication', { json: { email: 'steffan@example.com', password: PASSWORD } })).body;
    const pat = await req('POST', '/auth_sessions', { bearer: login.accessToken, json: { title: 'ci', expires_at: '9999-12-31 23:59:59', revoked: false } });
    expect(pat.status).toBe(201);
    expect((await req('GET', `/users/${userId}`, { bearer: pat.body.accessToken })).status).toBe(200);
    expect((await req('DELETE', '/authentication', { bearer: pat.body.accessToken })).status).toBe(200);
    expect((await req('GET', `/users/${userId}`, { bearer: pat.body.accessToken })).status).toBe(401);
    const row = await req('GET', `/auth_sessions/${pat.body.id}`, { bearer: login.accessToken });
    expect(row.body.revoked).toBe(true);
  });
});
