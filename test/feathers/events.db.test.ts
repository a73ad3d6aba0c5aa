/**
 * Feathers `events`: the audit log, read only, with one entry per record written through a
 * Feathers service (by whom, which service, which record); a user reads their own entries, an
 * administrator all; no client can write, change or erase one.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, describeDb, startServer, type TestServer } from '../support/server.js';
import { restClient, socketClient } from '../support/feathers-client.js';

const PASSWORD = 'correct horse battery';
const FIELDS = ['id', 'source_table', 'event', 'custom_event', 'table_id', 'user_id', 'previous_user_id', 'created_at', 'updated_at'];

await describeDb('feathers events', () => {
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  const ids: Record<string, number> = {};
  const tokens: Record<string, string> = {};

  async function as(name: string) {
    const app = restClient(srv.url);
    await app.authenticate({ strategy: 'jwt', accessToken: tokens[name] });
    return app;
  }

  beforeAll(async () => {
    srv = await startServer();
    req = client(srv.url);
    for (const name of ['root', 'bob']) {
      const r = await req('POST', '/users', { json: { email: `${name}@example.com`, password: PASSWORD } });
      expect(r.status).toBe(201);
      ids[name] = r.body.id;
    }
    const [admin] = (await srv.core.records.roles.find({ where: { slug: 'admin' } })).data;
    await srv.core.records.userRoles.create({ user_id: ids.root!, role_id: admin!.id });
    for (const name of ['root', 'bob']) {
      const r = await req('POST', '/authentication', { json: { strategy: 'local', email: `${name}@example.com`, password: PASSWORD } });
      tokens[name] = r.body.accessToken;
    }
  });
  afterAll(async () => srv?.close());

  it('records a role created, patched and removed by an admin as events naming the role and the admin', async () => {
    const root = await as('root');
    const role = await root.service('roles').create({ slug: 'editors', name: 'Editors' });
    await root.service('roles').patch(role.id, { name: 'Editors!' });
    await root.service('roles').remove(role.id);
    const page = await root.service('events').find({ query: { source_table: 'roles', table_id: role.id, $sort: { id: 1 } } });
    expect(page.data.map((e: { event: string }) => e.event)).toEqual(['created', 'patched', 'removed']);
    const created = page.data[0];
    expect(Object.keys(created)).toEqual(FIELDS);
    expect(created).toMatchObject({ source_table: 'roles', event: 'created', custom_event: null, table_id: role.id, user_id: ids.root, previous_user_id: null });
    expect(created.updated_at).toBe(created.created_at);
    expect(await root.service('events').get(created.id)).toEqual(created);
    const one = await root.service('events').find({ query: { source_table: 'roles', event: 'created', table_id: role.id } });
    expect(one.total).toBe(1);
  });

  it('records a public sign-up as made by the new account, and nothing for a refused write', async () => {
    const r = await req('POST', '/users', { json: { email: 'carol@example.com', password: PASSWORD } });
    const root = await as('root');
    const signUp = await root.service('events').find({ query: { source_table: 'users', event: 'created', table_id: r.body.id } });
    expect(signUp.data).toEqual([expect.objectContaining({ user_id: r.body.id })]);
    const before = (await root.service('events').find({ query: { $limit: 0 } })).total;
    await expect(root.service('roles').create({ slug: 'admin' })).rejects.toMatchObject({ code: 409 });
    // Custom methods write nothing either.
    await (root.service('users') as unknown as { count(d: unknown): Promise<unknown> }).count({});
    expect((await root.service('events').find({ query: { $limit: 0 } })).total).toBe(before);
  });

  it('records personal access tokens made and revoked, never the token', async () => {
    const bob = await as('bob');
    const pat = await bob.service('auth_sessions').create({ title: 'ci', expires_at: '2099-01-01 00:00:00' });
    await bob.service('auth_sessions').patch(pat.id, { revoked: true });
    const page = await bob.service('events').find({ query: { source_table: 'auth_sessions', table_id: pat.id, $sort: { id: 1 } } });
    expect(page.data.map((e: { event: string; user_id: number }) => [e.event, e.user_id])).toEqual([
      ['created', ids.bob],
      ['patched', ids.bob],
    ]);
    const all = await (await as('root')).service('events').find({ query: { $limit: 50 } });
    expect(JSON.stringify(all)).not.toContain(pat.accessToken.split('.')[2]);
    expect((await bob.service('events').find({ query: { source_table: 'authentication' } })).total).toBe(0);
  });

  it('shows a user only their own entries (find filtered, get 403); older entries read as custom events', async () => {
    const bob = await as('bob');
    const own = await bob.service('events').find({ query: { $limit: 50, $sort: { created_at: -1 } } });
    expect(own.total).toBeGreaterThan(0);
    for (const e of own.data) expect(e.user_id).toBe(ids.bob);
    expect((await bob.service('events').find({ query: { user_id: ids.root } })).total).toBe(0);
    // Audit entries written by core (account creation) are custom events of their module.
    const custom = await bob.service('events').find({ query: { event: 'custom', custom_event: 'Account created' } });
    expect(custom.data).toEqual([expect.objectContaining({ source_table: 'account', table_id: null, user_id: ids.bob })]);
    const [rootEvent] = (await (await as('root')).service('events').find({ query: { user_id: ids.root, $limit: 1 } })).data;
    const r = await req('GET', `/events/${rootEvent.id}`, { bearer: tokens.bob });
    expect(r.status).toBe(403);
    expect((await req('GET', '/events/999999', { bearer: tokens.bob })).status).toBe(404);
    expect((await req('GET', '/events')).status).toBe(401);
    expect((await req('GET', '/events?level=info', { bearer: tokens.bob })).status).toBe(400);
  });

  it('offers no way to write an entry: create, update, patch and remove answer 405 on both transports', async () => {
    const before = (await (await as('root')).service('events').find({ query: { $limit: 0 } })).total;
    for (const [method, path] of [
      ['POST', '/events'],
      ['PUT', '/events/1'],
      ['PATCH', '/events/1'],
      ['DELETE', '/events/1'],
      ['PATCH', '/events'],
      ['DELETE', '/events'],
    ] as const) {
      const r = await req(method, path, { json: method === 'DELETE' ? undefined : { source_table: 'users', event: 'created' }, bearer: tokens.root });
      expect(r.status, `${method} ${path}`).toBe(405);
      expect(r.body).toMatchObject({ name: 'MethodNotAllowed', code: 405 });
    }
    const s = socketClient(srv.url);
    try {
      await s.app.authenticate({ strategy: 'jwt', accessToken: tokens.root });
      await expect(s.app.service('events').create({ source_table: 'users', event: 'created' })).rejects.toMatchObject({ code: 405 });
      await expect(s.app.service('events').remove(1)).rejects.toMatchObject({ code: 405 });
      expect((await s.app.service('events').find({ query: { $limit: 1 } })).total).toBe(before);
    } finally {
      s.close();
    }
  });
});
