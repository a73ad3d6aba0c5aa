/**
 * Feathers `auth_sessions`, driven by the official client packages over REST and socket.io:
 * the sessions of a user with their parsed user agent, who sees whose, personal access tokens
 * (shown once, authenticating both transports, revoked or expired at once), and revoking a
 * sign-in's session (its refresh token and access token stop).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, decode, describeDb, startServer, type TestServer } from '../support/server.js';
import { restClient, socketClient } from '../support/feathers-client.js';
import { authSessions } from '../../src/core/sessions/auth-sessions.js';
import { sha256 } from '../../src/core/util/crypto.js';

const PASSWORD = 'correct horse battery';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const FIELDS = [
  'id', 'title', 'user_id', 'auth_provider', 'ip', 'hostname', 'city', 'region', 'country', 'loc', 'org', 'postal', 'timezone', 'useragent',
  'browser_name', 'browser_version', 'engine_name', 'engine_version', 'device_vendor', 'device_model', 'device_type', 'os_name', 'os_version',
  'cpu_arch', 'revoked', 'expires_at', 'created_at', 'updated_at',
];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface SignIn {
  accessToken: string;
  refreshToken: string;
  user: { id: number };
}

await describeDb('feathers auth_sessions', () => {
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  const ids: Record<string, number> = {};

  /** A sign-in with a browser's User-Agent (the REST client's fetch sends its own). */
  async function signIn(email: string, ua = CHROME): Promise<SignIn> {
    const r = await req('POST', '/authentication', { json: { strategy: 'local', email, password: PASSWORD }, headers: { 'user-agent': ua } });
    expect(r.status).toBe(201);
    return r.body as SignIn;
  }
  async function as(email: string) {
    const app = restClient(srv.url);
    await app.authenticate({ strategy: 'jwt', accessToken: (await signIn(email)).accessToken });
    return app;
  }

  beforeAll(async () => {
    srv = await startServer();
    req = client(srv.url);
    for (const name of ['alice', 'bob', 'carol', 'root']) {
      const r = await req('POST', '/users', { json: { email: `${name}@example.com`, password: PASSWORD } });
      expect(r.status).toBe(201);
      ids[name] = r.body.id;
    }
    const [admin] = (await srv.core.records.roles.find({ where: { slug: 'admin' } })).data;
    await srv.core.records.userRoles.create({ user_id: ids.root!, role_id: admin!.id });
  });
  afterAll(async () => srv?.close());

  it("lists the caller's sessions with the parsed user agent, newest first, and no token or geolocation", async () => {
    const s = await signIn('alice@example.com');
    const app = restClient(srv.url);
    await app.authenticate({ strategy: 'jwt', accessToken: s.accessToken });
    const page = await app.service('auth_sessions').find({ query: { revoked: false, $sort: { created_at: -1 } } });
    expect(page.total).toBeGreaterThanOrEqual(1);
    const row = page.data[0];
    expect(Object.keys(row)).toEqual(FIELDS);
    expect(row).toMatchObject({
      user_id: ids.alice,
      auth_provider: 'local',
      useragent: CHROME,
      browser_name: 'Chrome',
      browser_version: '124.0.0.0',
      engine_name: 'Blink',
      os_name: 'Windows',
      os_version: '10',
      cpu_arch: 'amd64',
      revoked: false,
      title: null,
      city: null,
      timezone: null,
    });
    expect(row.ip).toMatch(/127\.0\.0\.1/);
    expect(new Date(row.expires_at).getTime()).toBeGreaterThan(Date.now());
    expect(JSON.stringify(page)).not.toContain(s.refreshToken);
    for (const r of page.data) expect(r.user_id).toBe(ids.alice);
  });

  it("keeps another user's sessions from a user (find filtered, get 403) and shows all to an admin", async () => {
    const alice = await signIn('alice@example.com');
    const bob = await as('bob@example.com');
    const own = await bob.service('auth_sessions').find({ query: { $limit: 50 } });
    expect(own.data.length).toBeGreaterThan(0);
    for (const r of own.data) expect(r.user_id).toBe(ids.bob);
    // Even when asked for by user_id.
    expect((await bob.service('auth_sessions').find({ query: { user_id: ids.alice } })).total).toBe(0);
    const aliceRows = await (await as('alice@example.com')).service('auth_sessions').find({ query: { $limit: 1, $sort: { id: -1 } } });
    const byBob = await req('GET', `/auth_sessions/${aliceRows.data[0].id}`, { bearer: (await signIn('bob@example.com')).accessToken });
    expect(byBob.status).toBe(403);
    expect(byBob.body).toMatchObject({ name: 'Forbidden', code: 403 });
    const root = await as('root@example.com');
    const all = await root.service('auth_sessions').find({ query: { user_id: ids.alice, $limit: 50 } });
    expect(all.total).toBeGreaterThanOrEqual(2);
    expect((await root.service('auth_sessions').get(aliceRows.data[0].id)).user_id).toBe(ids.alice);
    expect(alice.accessToken).toBeTruthy();
  });

  it('creates a personal access token answered once, never again in find or get', async () => {
    const app = await as('alice@example.com');
    const pat = await app.service('auth_sessions').create({ title: 'CI', expires_at: '9999-12-31 23:59:59', revoked: false });
    expect(pat).toMatchObject({ title: 'CI', user_id: ids.alice, auth_provider: 'pat', revoked: false, expires_at: '9999-12-31T23:59:59.000Z' });
    expect(Object.keys(pat)).toEqual([...FIELDS, 'accessToken']);
    const claims = decode(pat.accessToken);
    expect(Object.keys(claims)).toEqual(['global_roles', 'groups', 'iat', 'exp', 'aud', 'iss', 'sub', 'jti']);
    expect(claims).toMatchObject({ sub: String(ids.alice), exp: 253402300799 });
    const listed = await app.service('auth_sessions').find({ query: { revoked: false, $sort: { created_at: -1 } } });
    expect(listed.data[0]).toMatchObject({ id: pat.id, title: 'CI' });
    const got = await app.service('auth_sessions').get(pat.id);
    for (const r of [listed, got]) {
      expect(JSON.stringify(r)).not.toContain(pat.accessToken);
      expect(JSON.stringify(r)).not.toContain(pat.accessToken.split('.')[2]);
    }
    expect(got).not.toHaveProperty('accessToken');
    expect(got).not.toHaveProperty('encrypted_token');
  });

  it("sends the token's create event to the owner's socket without the token", async () => {
    const s = socketClient(srv.url);
    try {
      await s.app.authenticate({ strategy: 'local', email: 'alice@example.com', password: PASSWORD });
      const heard = new Promise<Record<string, unknown>>((resolve) => s.app.service('auth_sessions').once('created', resolve));
      const pat = await (await as('alice@example.com')).service('auth_sessions').create({ title: 'evented', expires_at: '2099-01-01T00:00:00Z' });
      const event = await heard;
      expect(event).toMatchObject({ id: pat.id, title: 'evented' });
      expect(event).not.toHaveProperty('accessToken');
      expect(JSON.stringify(event)).not.toContain(pat.accessToken);
      // The socket's own create answer still carries it (the event is stripped, not the answer).
      const own = await s.app.service('auth_sessions').create({ title: 'over socket', expires_at: '2099-01-01T00:00:00Z' });
      expect(own.accessToken).toEqual(expect.any(String));
    } finally {
      s.close();
    }
  });

  it('authenticates REST and socket calls with the token until it is revoked, then refuses it at once', async () => {
    const app = await as('alice@example.com');
    const pat = await app.service('auth_sessions').create({ title: 'deploy', expires_at: '2099-12-31 23:59:59', revoked: false });
    const rest = await req('GET', `/users/${ids.alice}`, { bearer: pat.accessToken });
    expect(rest.status).toBe(200);
    expect(rest.body.id).toBe(ids.alice);
    const s = socketClient(srv.url);
    try {
      const auth = await s.app.authenticate({ strategy: 'jwt', accessToken: pat.accessToken });
      expect(auth).not.toHaveProperty('refreshToken');
      expect((await s.app.service('users').get(ids.alice!)).id).toBe(ids.alice);

      const revoked = await app.service('auth_sessions').patch(pat.id, { revoked: true });
      expect(revoked).toMatchObject({ id: pat.id, revoked: true });
      const after = await req('GET', `/users/${ids.alice}`, { bearer: pat.accessToken });
      expect(after.status).toBe(401);
      expect(after.body).toMatchObject({ name: 'NotAuthenticated', code: 401 });
      await expect(s.app.service('users').get(ids.alice!)).rejects.toMatchObject({ code: 401 });
    } finally {
      s.close();
    }
    // Revoked is for good.
    await expect(app.service('auth_sessions').patch(pat.id, { revoked: false })).rejects.toMatchObject({ code: 400 });
    // Only the revoked state shows in the live list.
    const live = await app.service('auth_sessions').find({ query: { revoked: false, $limit: 50 } });
    expect(live.data.map((r: { id: number }) => r.id)).not.toContain(pat.id);
  });

  it('refuses an expired token', async () => {
    const app = await as('alice@example.com');
    const pat = await app.service('auth_sessions').create({ title: 'brief', expires_at: new Date(Date.now() + 2000).toISOString() });
    expect((await req('GET', `/users/${ids.alice}`, { bearer: pat.accessToken })).status).toBe(200);
    await sleep(Math.max(0, new Date(pat.expires_at).getTime() - Date.now()) + 1100);
    const r = await req('GET', `/users/${ids.alice}`, { bearer: pat.accessToken });
    expect(r.status).toBe(401);
    expect(r.body.message).toBe('jwt expired');
  });

  it('refuses expiries in the past, impossible dates, other fields and a revoked token at creation (400)', async () => {
    const token = (await signIn('alice@example.com')).accessToken;
    for (const body of [
      { title: 'x', expires_at: '2001-01-01 00:00:00' },
      { title: 'x', expires_at: '2099-02-30 10:00:00' },
      { title: 'x', expires_at: 'tomorrow' },
      { title: 'x', expires_at: '2099-01-01T25:00:00Z' },
      { title: 'x' },
      { title: 'x', expires_at: '2099-01-01 00:00:00', revoked: true },
      { title: 'x', expires_at: '2099-01-01 00:00:00', encrypted_token: 'mine' },
      { title: 'x'.repeat(256), expires_at: '2099-01-01 00:00:00' },
    ]) {
      const r = await req('POST', '/auth_sessions', { json: body, bearer: token });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.name).toBe('BadRequest');
    }
    // The client's form is UTC, whatever the server's zone.
    const ok = await req('POST', '/auth_sessions', { json: { title: 'utc', expires_at: '2099-06-01 12:00:00' }, bearer: token });
    expect(ok.body.expires_at).toBe('2099-06-01T12:00:00.000Z');
    const offset = await req('POST', '/auth_sessions', { json: { title: 'offset', expires_at: '2099-06-01T12:00:00+02:00' }, bearer: token });
    expect(offset.body.expires_at).toBe('2099-06-01T10:00:00.000Z');
  });

  it("makes a token for another account only with the scope: a user gets 403, an admin gets bob's", async () => {
    const alice = await as('alice@example.com');
    await expect(alice.service('auth_sessions').create({ title: 'not mine', expires_at: '2099-01-01 00:00:00', user_id: ids.bob })).rejects.toMatchObject({ code: 403 });
    const root = await as('root@example.com');
    const pat = await root.service('auth_sessions').create({ title: 'for bob', expires_at: '2099-01-01 00:00:00', user_id: ids.bob });
    expect(pat.user_id).toBe(ids.bob);
    expect(decode(pat.accessToken).sub).toBe(String(ids.bob));
    const me = await req('GET', `/users/${ids.bob}`, { bearer: pat.accessToken });
    expect(me.body.id).toBe(ids.bob);
    // Bob sees it among his own and may revoke it; alice may not touch it.
    const bob = await as('bob@example.com');
    expect((await bob.service('auth_sessions').get(pat.id)).title).toBe('for bob');
    await expect(alice.service('auth_sessions').patch(pat.id, { title: 'mine now' })).rejects.toMatchObject({ code: 403 });
    await expect(alice.service('auth_sessions').remove(pat.id)).rejects.toMatchObject({ code: 403 });
    expect((await bob.service('auth_sessions').patch(pat.id as number, { title: 'renamed' })).title).toBe('renamed');
    await expect(root.service('auth_sessions').create({ title: 'ghost', expires_at: '2099-01-01 00:00:00', user_id: 999999 })).rejects.toMatchObject({ code: 400 });
  });

  it("revoking a sign-in's session ends its refresh token and its access token", async () => {
    const s = await signIn('carol@example.com');
    const other = await as('carol@example.com');
    const rows = await other.service('auth_sessions').find({ query: { revoked: false, $sort: { id: 1 }, $limit: 50 } });
    // The first live session of carol's is the one `s` started (as() signed in after it).
    const target = rows.data[0];
    expect(target.auth_provider).toBe('local');
    expect((await req('GET', `/users/${ids.carol}`, { bearer: s.accessToken })).status).toBe(200);
    expect(await other.service('auth_sessions').patch(target.id, { revoked: true })).toMatchObject({ revoked: true });
    const refresh = await req('POST', '/auth/refresh', { json: { strategy: 'jwt', accessToken: s.accessToken, refreshToken: s.refreshToken }, bearer: s.accessToken });
    expect(refresh.status).toBe(401);
    expect((await req('GET', `/users/${ids.carol}`, { bearer: s.accessToken })).status).toBe(401);
  });

  it('remove revokes and answers the session, which stays listed as revoked', async () => {
    const app = await as('alice@example.com');
    const pat = await app.service('auth_sessions').create({ title: 'gone', expires_at: '2099-01-01 00:00:00' });
    const removed = await app.service('auth_sessions').remove(pat.id);
    expect(removed).toMatchObject({ id: pat.id, revoked: true, title: 'gone' });
    expect((await req('GET', `/users/${ids.alice}`, { bearer: pat.accessToken })).status).toBe(401);
    expect((await app.service('auth_sessions').get(pat.id)).revoked).toBe(true);
  });

  it('refuses multi patch and remove, update, and bad queries', async () => {
    const token = (await signIn('alice@example.com')).accessToken;
    expect((await req('PATCH', '/auth_sessions', { json: { revoked: true }, bearer: token })).status).toBe(405);
    expect((await req('DELETE', '/auth_sessions', { bearer: token })).status).toBe(405);
    expect((await req('PUT', '/auth_sessions/1', { json: { title: 'x' }, bearer: token })).status).toBe(405);
    expect((await req('GET', '/auth_sessions?revoked=maybe', { bearer: token })).status).toBe(400);
    expect((await req('GET', '/auth_sessions?token_sig=x', { bearer: token })).status).toBe(400);
    expect((await req('GET', '/auth_sessions?$sort[nope]=1', { bearer: token })).status).toBe(400);
    expect((await req('GET', '/auth_sessions')).status).toBe(401);
    expect((await req('PATCH', '/auth_sessions/1', { json: { ip: '1.2.3.4' }, bearer: token })).status).toBe(400);
    expect((await req('GET', '/auth_sessions/999999', { bearer: token })).status).toBe(404);
  });

  it('documents auth_sessions and events in /openapi.json', async () => {
    const doc = (await req('GET', '/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/auth_sessions', '/auth_sessions/{id}', '/events', '/events/{id}']));
    expect(doc.paths['/auth_sessions'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('expires_at');
    expect(doc.paths['/auth_sessions/{id}'].patch.requestBody.content['application/json'].schema.properties).toHaveProperty('revoked');
  });

  it("a password change ends the account's personal access tokens too", async () => {
    const app = await as('carol@example.com');
    const pat = await app.service('auth_sessions').create({ title: 'old', expires_at: '2099-01-01 00:00:00' });
    expect((await req('GET', `/users/${ids.carol}`, { bearer: pat.accessToken })).status).toBe(200);
    await app.service('users').patch(ids.carol!, { password: `${PASSWORD}!` });
    expect((await req('GET', `/users/${ids.carol}`, { bearer: pat.accessToken })).status).toBe(401);
    expect((await app.service('auth_sessions').get(pat.id)).revoked).toBe(true);
  });

  it('ends a token whose account changed while it was being made (core)', async () => {
    let cutOff = 0;
    const pats = authSessions({
      repo: srv.store.authSessions,
      // A password change lands between the check before and the check after storing.
      accountOf: async () => ({ status: 1, sessions_not_before: cutOff++ }),
      endFamily: (id) => srv.core.sessions.endFamily(id),
    });
    const sig = 'c2lnbmF0dXJl';
    await expect(pats.createPat({ userId: ids.bob!, title: 'raced', expiresAt: Date.now() + 60_000 }, (ttl) => ({ token: `a.b.${sig}`, sig, expMs: Date.now() + ttl * 1000 }))).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
    const [row] = (await srv.core.authSessions.find({ where: { title: 'raced' } })).data;
    expect(row?.revoked).toBe(true);
    expect(srv.core.revocations.isRevokedHash(sha256(sig))).toBe(true);
  });
});
