/**
 * The Feathers `users` service, driven by the official client packages over REST and socket.io
 * (raw HTTP where the status line itself is the point): public sign-up and its switch and rate
 * limit, reading and changing one's own record, what other accounts' readers see by scope, the
 * password change that ends other sessions, removal, and the public `count` method.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, describeDb, startServer, type TestServer } from '../support/server.js';
import { restClient, socketClient } from '../support/feathers-client.js';
import { freshEmail, giveRole, makeAdmin, makeUser, PASSWORD, signIn, signUp, socketAs, startFeathers, type FeathersUser } from '../support/fixtures/feathers.js';

const USER_FIELDS = ['id', 'username', 'first_name', 'middle_name', 'last_name', 'picture', 'locale', 'phone', 'email_verified_at', 'phone_verified_at', 'created_at', 'updated_at', 'email'];

await describeDb('feathers users', () => {
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  let admin: FeathersUser;
  let alice: FeathersUser;
  let bob: FeathersUser;

  beforeAll(async () => {
    srv = await startFeathers();
    req = client(srv.url);
    admin = await makeAdmin(srv);
    alice = await makeUser(srv, { fields: { first_name: 'Alice', phone: '+4790000011', picture: 'https://example.com/a.png' } });
    bob = await makeUser(srv);
  });
  afterAll(async () => srv?.close());

  it('signs up anyone over REST: 201 with the record in the original key order, never a password', async () => {
    const email = freshEmail('signup');
    const r = await req('POST', '/users', { json: { email, password: PASSWORD, first_name: 'Sig', locale: 'no' } });
    expect(r.status).toBe(201);
    expect(Object.keys(r.body)).toEqual(USER_FIELDS);
    expect(r.body).toMatchObject({ username: email, email, first_name: 'Sig', locale: 'no', email_verified_at: null });
    expect(r.text).not.toMatch(/password|\$argon2/);
    expect(r.body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // The official client signs up the same way, and the new account signs in at once.
    const app = restClient(srv.url);
    const other = await app.service('users').create({ email: freshEmail('signup'), password: PASSWORD });
    expect(other).not.toHaveProperty('password');
    expect((await signIn(srv, other.email)).accessToken).toMatch(/^ey/);
  });

  it('signs up with a stale or broken token in the Authorization header, as a browser that kept one does', async () => {
    const gone = await makeUser(srv);
    await gone.app.logout();
    for (const bearer of [gone.accessToken, 'garbage']) {
      const r = await req('POST', '/users', { bearer, json: { email: freshEmail('stale'), password: PASSWORD } });
      expect(r.status).toBe(201);
    }
    expect((await req('POST', '/users', { bearer: 'garbage', json: {}, headers: { 'x-service-method': 'count' } })).status).toBe(200);
  });

  it('signs up over socket.io without signing in', async () => {
    const s = await socketAs(srv);
    try {
      const u = await s.app.service('users').create({ email: freshEmail('sock'), password: PASSWORD });
      expect(u).toMatchObject({ id: expect.any(Number) });
      expect(u).not.toHaveProperty('password');
    } finally {
      s.close();
    }
  });

  it('refuses a taken email with 409 Conflict, whatever its case', async () => {
    const r = await req('POST', '/users', { json: { email: alice.email.toUpperCase(), password: PASSWORD } });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ name: 'Conflict', code: 409, className: 'conflict' });
    await expect(restClient(srv.url).service('users').create({ email: alice.email, password: PASSWORD })).rejects.toMatchObject({ name: 'Conflict', code: 409 });
  });

  it('refuses bad sign-up bodies with 400 "validation failed" and the schema errors in data', async () => {
    for (const body of [{ email: freshEmail() }, { email: 'not-an-email', password: PASSWORD }, { email: freshEmail(), password: PASSWORD, admin: true }, { email: 42, password: PASSWORD }, [{ email: freshEmail(), password: PASSWORD }]]) {
      const r = await req('POST', '/users', { json: body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body).toMatchObject({ name: 'BadRequest', message: 'validation failed', code: 400, className: 'bad-request' });
      expect(Array.isArray(r.body.data)).toBe(true);
    }
    const nul = await req('POST', '/users', { json: { email: freshEmail(), password: PASSWORD, first_name: 'a\u0000b' } });
    expect(nul.status).toBe(400);
  });

  it('reads and patches its own record, over REST and socket.io', async () => {
    expect(await alice.app.service('users').get(alice.id)).toMatchObject({ id: alice.id, email: alice.email, first_name: 'Alice', phone: '+4790000011' });
    const patched = await alice.app.service('users').patch(alice.id, { last_name: 'Liddell', locale: 'en' });
    expect(patched).toMatchObject({ id: alice.id, first_name: 'Alice', last_name: 'Liddell', locale: 'en' });
    expect(Date.parse(patched.updated_at)).toBeGreaterThanOrEqual(Date.parse(patched.created_at));
    const s = await socketAs(srv, alice.accessToken);
    try {
      expect(await s.app.service('users').patch(alice.id, { middle_name: 'P' })).toMatchObject({ middle_name: 'P', last_name: 'Liddell' });
      expect(await s.app.service('users').get(alice.id)).toMatchObject({ middle_name: 'P' });
    } finally {
      s.close();
    }
  });

  it('refuses another account to a normal user (403) and to the anonymous (401)', async () => {
    await expect(bob.app.service('users').get(alice.id)).rejects.toMatchObject({ name: 'Forbidden', code: 403 });
    await expect(bob.app.service('users').patch(alice.id, { first_name: 'Mallory' })).rejects.toMatchObject({ name: 'Forbidden', code: 403 });
    await expect(bob.app.service('users').remove(alice.id)).rejects.toMatchObject({ name: 'Forbidden', code: 403 });
    const anon = await req('GET', `/users/${alice.id}`);
    expect(anon.status).toBe(401);
    expect(anon.body).toEqual({ name: 'NotAuthenticated', message: 'Not authenticated', code: 401, className: 'not-authenticated' });
    expect((await req('GET', '/users')).status).toBe(401);
    expect((await req('GET', '/users/99999')).status).toBe(401);
    // Who asks comes first: an anonymous bad body is 401, and a normal user cannot tell a missing account from another's.
    expect((await req('PATCH', `/users/${alice.id}`, { json: { colour: 'red' } })).status).toBe(401);
    for (const [method, json] of [['GET'], ['PATCH', {}], ['PUT', { email: freshEmail() }], ['DELETE']] as const) {
      const r = await req(method, '/users/99999', { bearer: bob.accessToken, json });
      expect(r.status, method).toBe(403);
    }
  });

  it('answers 404 with the Feathers message for unknown and malformed ids', async () => {
    for (const id of ['99999', 'abc', '0', '-1', '1.5']) {
      const r = await req('GET', `/users/${id}`, { bearer: admin.accessToken });
      expect(r.status, id).toBe(404);
      expect(r.body).toEqual({ name: 'NotFound', message: `No record found for id '${id}'`, code: 404, className: 'not-found' });
    }
  });

  it('finds only its own record for a normal user', async () => {
    const page = await bob.app.service('users').find({ query: {} });
    expect(page).toMatchObject({ total: 1, limit: 10, skip: 0 });
    expect(page.data.map((u: { id: number }) => u.id)).toEqual([bob.id]);
    const filtered = await bob.app.service('users').find({ query: { id: alice.id } });
    expect(filtered).toMatchObject({ total: 0, data: [] });
  });

  it('shows an administrator every account with every field', async () => {
    const page = await admin.app.service('users').find({ query: { $limit: 50 } });
    expect(page.total).toBeGreaterThanOrEqual(3);
    const a = page.data.find((u: { id: number }) => u.id === alice.id);
    expect(Object.keys(a)).toEqual(USER_FIELDS);
    expect(await admin.app.service('users').get(alice.id)).toMatchObject({ email: alice.email, phone: '+4790000011', first_name: 'Alice' });
  });

  it('hides the fields a reader with users_read holds no users_read_* scope for', async () => {
    const reader = await makeUser(srv, { scopes: ['users_read'] });
    const other = await reader.app.service('users').get(alice.id);
    expect(other).toMatchObject({ id: alice.id, created_at: expect.any(String) });
    // Alice signed up without a username, so hers is her email: hidden with it.
    for (const f of ['username', 'email', 'email_verified_at', 'phone', 'phone_verified_at', 'first_name', 'middle_name', 'last_name', 'picture']) expect(other).not.toHaveProperty(f);
    // Its own record stays whole, and find applies the same rule to others.
    expect(await reader.app.service('users').get(reader.id)).toHaveProperty('email', reader.email);
    const page = await reader.app.service('users').find({ query: { id: { $in: [alice.id, reader.id] }, $sort: { id: 1 } } });
    expect(page.data).toHaveLength(2);
    expect(page.data[0]).not.toHaveProperty('email');
    expect(page.data[1]).toHaveProperty('email', reader.email);

    // Nor can it learn a hidden field by querying or sorting by it.
    for (const query of [{ email: alice.email }, { email: { $like: 'a%' } }, { $or: [{ id: 1 }, { phone: { $ne: null } }] }, { $sort: { email: 1 } }, { email_verified_at: { $ne: null } }]) {
      await expect(reader.app.service('users').find({ query }), JSON.stringify(query)).rejects.toMatchObject({ name: 'Forbidden', code: 403 });
    }
    await expect(reader.app.service('users').find({ query: { username: alice.email } })).rejects.toMatchObject({ code: 403 });
    // A username of its own is no secret.
    const named = await makeUser(srv, { fields: { username: 'named-user' } });
    expect(await reader.app.service('users').get(named.id)).toMatchObject({ username: 'named-user' });
    expect(await reader.app.service('users').get(named.id)).not.toHaveProperty('email');

    const emailReader = await makeUser(srv, { scopes: ['users_read', 'users_read_email'] });
    const seen = await emailReader.app.service('users').get(alice.id);
    expect(seen).toMatchObject({ email: alice.email });
    expect(seen).not.toHaveProperty('phone');
    expect((await emailReader.app.service('users').find({ query: { email: alice.email } })).total).toBe(1);
    expect((await emailReader.app.service('users').find({ query: { username: 'named-user' } })).total).toBe(1);
    await expect(emailReader.app.service('users').find({ query: { phone: '+4790000011' } })).rejects.toMatchObject({ code: 403 });
    // Reading is all the scope gives.
    await expect(reader.app.service('users').patch(alice.id, { first_name: 'X' })).rejects.toMatchObject({ code: 403 });
  });

  it('ends the other sessions when a user changes its password, but not the one that changed it', async () => {
    const u = await makeUser(srv);
    const second = await signIn(srv, u.email);
    const s = await socketAs(srv, second.accessToken);
    try {
      await u.app.service('users').patch(u.id, { password: 'a brand new password' });
      expect(await u.app.service('users').get(u.id)).toMatchObject({ id: u.id });
      const r = await req('GET', `/users/${u.id}`, { bearer: second.accessToken });
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ name: 'NotAuthenticated', code: 401 });
      await expect(s.app.service('users').get(u.id)).rejects.toMatchObject({ code: 401 });
    } finally {
      s.close();
    }
    await expect(signIn(srv, u.email, PASSWORD)).rejects.toMatchObject({ name: 'NotAuthenticated', message: 'Invalid login' });
    expect((await signIn(srv, u.email, 'a brand new password')).accessToken).toMatch(/^ey/);
  });

  it('lets an administrator change another account and its password, ending all of that account\'s sessions', async () => {
    const u = await makeUser(srv);
    expect(await admin.app.service('users').patch(u.id, { first_name: 'Renamed', password: 'set by the admin' })).toMatchObject({ first_name: 'Renamed' });
    expect((await req('GET', `/users/${u.id}`, { bearer: u.accessToken })).status).toBe(401);
    expect((await signIn(srv, u.email, 'set by the admin')).accessToken).toMatch(/^ey/);
    // The administrator's own session goes on.
    expect((await req('GET', `/users/${admin.id}`, { bearer: admin.accessToken })).status).toBe(200);
  });

  it('replaces a record with PUT: absent profile fields become null, the email is required', async () => {
    const u = await makeUser(srv, { fields: { first_name: 'Put', last_name: 'Me' } });
    const replaced = await u.app.service('users').update(u.id, { email: u.email, first_name: 'Only' });
    expect(replaced).toMatchObject({ first_name: 'Only', last_name: null, email: u.email });
    const r = await req('PUT', `/users/${u.id}`, { bearer: u.accessToken, json: { first_name: 'No email' } });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ name: 'BadRequest', message: 'validation failed' });
  });

  it('refuses to move an account onto a taken email with 409', async () => {
    await expect(bob.app.service('users').patch(bob.id, { email: alice.email })).rejects.toMatchObject({ name: 'Conflict', code: 409 });
  });

  it('lets an administrator remove an account: 200 with the record, and its tokens are refused', async () => {
    const u = await makeUser(srv);
    const r = await req('DELETE', `/users/${u.id}`, { bearer: admin.accessToken });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: u.id, email: u.email });
    expect(r.body).not.toHaveProperty('password');
    const after = await req('GET', `/users/${u.id}`, { bearer: u.accessToken });
    expect(after.status).toBe(401);
    await expect(signIn(srv, u.email)).rejects.toMatchObject({ code: 401 });
    expect((await req('GET', `/users/${u.id}`, { bearer: admin.accessToken })).status).toBe(404);
    // Its email is free again.
    expect((await req('POST', '/users', { json: { email: u.email, password: PASSWORD } })).status).toBe(201);
  });

  it('counts accounts for anyone: POST /users with X-Service-Method count answers 200 {count}', async () => {
    const total = (await admin.app.service('users').find({ query: { $limit: 0 } })).total;
    const r = await req('POST', '/users', { json: {}, headers: { 'x-service-method': 'count' } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ count: total });
    expect(await (restClient(srv.url).service('users') as unknown as { count(d: object): Promise<unknown> }).count({})).toEqual({ count: total });
    const s = socketClient(srv.url);
    try {
      expect(await (s.app.service('users') as unknown as { count(d: object): Promise<unknown> }).count({})).toEqual({ count: total });
    } finally {
      s.close();
    }
  });

  it('lets an account given the admin role read everyone after signing in again', async () => {
    const u = await makeUser(srv);
    await giveRole(srv, u.id, 'admin');
    const again = await signIn(srv, u.email);
    expect((await again.app.service('users').get(alice.id)).email).toBe(alice.email);
  });
});

await describeDb('feathers users: sign-up switched off', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer({ feathersSignupEnabled: false });
  });
  afterAll(async () => srv?.close());

  it('refuses anonymous sign-up with 403 and lets an administrator create accounts', async () => {
    const r = await client(srv.url)('POST', '/users', { json: { email: freshEmail(), password: PASSWORD } });
    expect(r.status).toBe(403);
    // Where sign-up is closed, a broken token is refused as such.
    expect((await client(srv.url)('POST', '/users', { bearer: 'garbage', json: { email: freshEmail(), password: PASSWORD } })).status).toBe(401);
    expect(r.body).toMatchObject({ name: 'Forbidden', code: 403, className: 'forbidden' });
    const s = socketClient(srv.url);
    try {
      await expect(s.app.service('users').create({ email: freshEmail(), password: PASSWORD })).rejects.toMatchObject({ name: 'Forbidden', code: 403 });
    } finally {
      s.close();
    }
    const email = freshEmail('admin');
    const acc = await srv.core.accounts.create({ username: email, email, password: PASSWORD });
    await giveRole(srv, acc.id, 'admin');
    const { app } = await signIn(srv, email);
    const made = await app.service('users').create({ email: freshEmail('made'), password: PASSWORD });
    expect(made).toMatchObject({ id: expect.any(Number) });
    // A signed-in normal user is no administrator.
    const { app: normal } = await signIn(srv, made.email);
    await expect(normal.service('users').create({ email: freshEmail(), password: PASSWORD })).rejects.toMatchObject({ code: 403 });
  });
});

await describeDb('feathers users: sign-up rate limit', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer({ registerMaxPerIp: 2 });
  });
  afterAll(async () => srv?.close());

  it('refuses sign-ups past REGISTER_MAX_PER_IP from one address with 429, refused attempts included', async () => {
    const req = client(srv.url);
    expect((await req('POST', '/users', { json: { email: freshEmail(), password: PASSWORD } })).status).toBe(201);
    expect((await req('POST', '/users', { json: { email: 'bad' } })).status).toBe(400);
    const r = await req('POST', '/users', { json: { email: freshEmail(), password: PASSWORD } });
    expect(r.status).toBe(429);
    expect(r.body).toMatchObject({ name: 'TooManyRequests', code: 429, className: 'too-many-requests' });
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    await expect(signUp(srv)).rejects.toThrow(/429/);
  });
});
