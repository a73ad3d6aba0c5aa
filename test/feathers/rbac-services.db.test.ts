/**
 * The Feathers RBAC and OAuth-provider services (roles, access_scopes, role_access_scopes,
 * user_roles, access_group_types, access_groups, user_group_roles, group_group_roles,
 * oauth_providers, user_oauth_providers), driven by the official client packages over REST and
 * socket.io: CRUD as an administrator, what a normal user and the anonymous get, Feathers' error
 * classes for unknown ids, duplicates, bad bodies and dangling references, and how roles and
 * scopes given here take effect.
 */
import type { Application } from '@feathersjs/feathers';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, decode, describeDb, type TestServer } from '../support/server.js';
import { socketClient } from '../support/feathers-client.js';
import { makeAdmin, makeUser, roleWithScopes, signIn, signUp, socketAs, startFeathers, type FeathersUser } from '../support/fixtures/feathers.js';

type Body = Record<string, unknown>;
interface Spec {
  path: string;
  /** A valid body no earlier create used. */
  fresh(): Promise<Body>;
  /** A patch, and the fields it must show after. */
  patch: () => Promise<Body>;
  /** Bodies the schema refuses (missing required field, wrong type, unknown field). */
  bad: () => Body[];
  /** A body naming a record that does not exist (400), where the kind references any. */
  dangling?: () => Promise<Body>;
  /** Records carrying user_id: their owner reads them. */
  owned?: boolean;
}

let n = 0;
const uniq = (p: string) => `${p}-${++n}`;

await describeDb('feathers rbac services', () => {
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  let admin: FeathersUser;
  let eve: FeathersUser;
  let subject: number;
  let typeId: number;
  let groupA: number;
  let groupB: number;
  let scopeId: number;
  const role = async () => (await srv.core.records.roles.create({ slug: uniq('r') })).id;
  const scope = async () => (await srv.core.records.accessScopes.create({ slug: uniq('s') })).id;

  beforeAll(async () => {
    srv = await startFeathers();
    req = client(srv.url);
    admin = await makeAdmin(srv);
    eve = await makeUser(srv);
    subject = (await signUp(srv)).id;
    typeId = (await srv.core.records.groupTypes.create({ slug: 'teams' })).id;
    groupA = (await srv.core.records.groups.create({ type_id: typeId, slug: 'team-a', name: 'Team A' })).id;
    groupB = (await srv.core.records.groups.create({ type_id: typeId, slug: 'team-b', name: 'Team B' })).id;
    scopeId = await scope();
  });
  afterAll(async () => srv?.close());

  const named = (path: string): Spec => ({
    path,
    fresh: async () => ({ slug: uniq(path), name: 'A name', description: 'Described' }),
    patch: async () => ({ name: 'Renamed' }),
    bad: () => [{ name: 'no slug' }, { slug: 5 }, { slug: 'x', colour: 'red' }, { slug: '' }, { slug: 'x', name: 7 }],
  });
  const SPECS: Spec[] = [
    named('roles'),
    named('access_scopes'),
    named('access_group_types'),
    {
      path: 'role_access_scopes',
      fresh: async () => ({ role_id: await role(), access_scope_id: scopeId }),
      patch: async () => ({ access_scope_id: await scope() }),
      bad: () => [{ role_id: 1 }, { role_id: 'one', access_scope_id: 1 }, { role_id: 1, access_scope_id: 1, extra: true }],
      dangling: async () => ({ role_id: 999999, access_scope_id: scopeId }),
    },
    {
      path: 'user_roles',
      fresh: async () => ({ user_id: subject, role_id: await role() }),
      patch: async () => ({ role_id: await role() }),
      bad: () => [{ user_id: subject }, { user_id: subject, role_id: -1 }, { user_id: subject, role_id: 1, extra: 1 }],
      dangling: async () => ({ user_id: 999999, role_id: await role() }),
      owned: true,
    },
    {
      path: 'access_groups',
      fresh: async () => ({ type_id: typeId, slug: uniq('g'), name: 'Group' }),
      patch: async () => ({ name: 'Renamed' }),
      bad: () => [{ slug: 'no-type' }, { type_id: 'teams' }, { type_id: 1, owner: 2 }],
      dangling: async () => ({ type_id: 999999, slug: uniq('g') }),
    },
    {
      path: 'user_group_roles',
      fresh: async () => ({ user_id: subject, group_id: groupA, role_id: await role() }),
      patch: async () => ({ group_id: groupB }),
      bad: () => [{ user_id: subject, group_id: groupA }, { user_id: subject, group_id: groupA, role_id: 1.5 }, { user_id: subject, group_id: groupA, role_id: 1, x: 1 }],
      dangling: async () => ({ user_id: subject, group_id: 999999, role_id: await role() }),
      owned: true,
    },
    {
      path: 'group_group_roles',
      fresh: async () => ({ parent_group_id: groupA, child_group_id: groupB, role_id: await role() }),
      patch: async () => ({ child_group_id: null }),
      bad: () => [{ parent_group_id: groupA }, { role_id: '1' }, { role_id: 1, sibling_group_id: 2 }],
      dangling: async () => ({ parent_group_id: 999999, child_group_id: groupB, role_id: await role() }),
    },
    {
      path: 'oauth_providers',
      fresh: async () => ({ slug: uniq('prov'), name: 'Prov', key: 'client-id', secret: 'the-client-secret', scope: 'openid email', nonce: true }),
      patch: async () => ({ nonce: false, scope: 'email' }),
      bad: () => [{ name: 'no slug' }, { slug: 'x', nonce: 'yes' }, { slug: 'x', callback: 'http://x' }],
    },
    {
      path: 'user_oauth_providers',
      fresh: async () => ({ user_id: subject, slug: 'github', sub: uniq('gh') }),
      patch: async () => ({ sub: uniq('gh') }),
      bad: () => [{ user_id: subject, slug: 'github' }, { user_id: subject, slug: 'github', sub: 12 }, { user_id: subject, slug: 'github', sub: 'x', token: 'y' }],
      dangling: async () => ({ user_id: 999999, slug: 'github', sub: uniq('gh') }),
      owned: true,
    },
  ];

  const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

  for (const s of SPECS) {
    it(`${s.path}: an administrator creates (201), finds, gets, updates, patches and removes over REST`, async () => {
      const body = await s.fresh();
      const created = await req('POST', `/${s.path}`, { bearer: admin.accessToken, json: body });
      expect(created.status, created.text).toBe(201);
      const { secret: _secret, ...shown } = body;
      expect(created.body).toMatchObject({ id: expect.any(Number), ...shown });
      expect(created.body.created_at).toMatch(ISO);
      expect(created.body.updated_at).toMatch(ISO);
      const id: number = created.body.id;
      const svc = admin.app.service(s.path);
      const page = await svc.find({ query: { id } });
      expect(Object.keys(page)).toEqual(['total', 'limit', 'skip', 'data']);
      expect(page).toMatchObject({ total: 1, limit: 10, skip: 0, data: [created.body] });
      expect(await svc.get(id)).toEqual(created.body);
      const replaced = await svc.update(id, body);
      expect(replaced).toMatchObject({ id, ...shown });
      const patch = await s.patch();
      const patched = await svc.patch(id, patch);
      expect(patched).toMatchObject({ id, ...patch });
      const removed = await req('DELETE', `/${s.path}/${id}`, { bearer: admin.accessToken });
      expect(removed.status).toBe(200);
      expect(removed.body).toEqual(patched);
      await expect(svc.get(id)).rejects.toMatchObject({ name: 'NotFound', code: 404, message: `No record found for id '${id}'` });
    });

    it(`${s.path}: the same over socket.io`, async () => {
      const sock = await socketAs(srv, admin.accessToken);
      try {
        const svc = sock.app.service(s.path);
        const created = await svc.create(await s.fresh());
        expect(await svc.get(created.id)).toEqual(created);
        expect((await svc.find({ query: { id: created.id } })).data).toEqual([created]);
        const patch = await s.patch();
        expect(await svc.patch(created.id, patch)).toMatchObject(patch);
        expect(await svc.remove(created.id)).toMatchObject({ id: created.id });
        await expect(svc.remove(created.id)).rejects.toMatchObject({ name: 'NotFound', code: 404 });
      } finally {
        sock.close();
      }
    });

    it(`${s.path}: 404 "No record found for id" for unknown and malformed ids, on every method`, async () => {
      const body = await s.fresh();
      for (const id of ['999999', 'abc', '0', '1e3', '99999999999']) {
        for (const [method, json] of [['GET'], ['PUT', body], ['PATCH', {}], ['DELETE']] as const) {
          const r = await req(method, `/${s.path}/${id}`, { bearer: admin.accessToken, json });
          expect(r.status, `${method} ${id}`).toBe(404);
          expect(r.body).toEqual({ name: 'NotFound', message: `No record found for id '${id}'`, code: 404, className: 'not-found' });
        }
      }
      const sock = await socketAs(srv, admin.accessToken);
      try {
        await expect(sock.app.service(s.path).get('abc')).rejects.toMatchObject({ name: 'NotFound', message: "No record found for id 'abc'" });
      } finally {
        sock.close();
      }
    });

    it(`${s.path}: 401 without a token, 403 Forbidden for a normal user`, async () => {
      const body = await s.fresh();
      const created = (await req('POST', `/${s.path}`, { bearer: admin.accessToken, json: body })).body;
      for (const [method, path, json] of [['GET', ''], ['GET', `/${created.id}`], ['POST', '', await s.fresh()], ['PATCH', `/${created.id}`, {}], ['PUT', `/${created.id}`, body], ['DELETE', `/${created.id}`]] as const) {
        const anon = await req(method, `/${s.path}${path}`, { json });
        expect(anon.status, `${method} ${path}`).toBe(401);
        expect(anon.body).toEqual({ name: 'NotAuthenticated', message: 'Not authenticated', code: 401, className: 'not-authenticated' });
        const normal = await req(method, `/${s.path}${path}`, { json, bearer: eve.accessToken });
        // An owner-kind find answers the caller's own records instead of refusing (every account holds `user` in the default group).
        const expected = s.owned && method === 'GET' && path === '' ? 200 : 403;
        expect(normal.status, `${method} ${path}`).toBe(expected);
        if (expected === 403) expect(normal.body).toMatchObject({ name: 'Forbidden', code: 403, className: 'forbidden' });
        else for (const r of normal.body.data) expect(r.user_id).toBe(eve.id);
      }
      // A normal user cannot tell a missing record from a forbidden one.
      if (!s.owned) expect((await req('GET', `/${s.path}/999999`, { bearer: eve.accessToken })).status).toBe(403);
      expect(await admin.app.service(s.path).get(created.id)).toMatchObject({ id: created.id });
    });

    it(`${s.path}: 400 "validation failed" with the schema errors in data for bad bodies`, async () => {
      const created = (await req('POST', `/${s.path}`, { bearer: admin.accessToken, json: await s.fresh() })).body;
      for (const body of [...s.bad(), 'text' as unknown as Body, [await s.fresh()] as unknown as Body]) {
        const r = await req('POST', `/${s.path}`, { bearer: admin.accessToken, json: body });
        expect(r.status, JSON.stringify(body)).toBe(400);
        expect(r.body).toMatchObject({ name: 'BadRequest', message: 'validation failed', code: 400, className: 'bad-request' });
        expect(r.body.data.length).toBeGreaterThan(0);
      }
      const put = await req('PUT', `/${s.path}/${created.id}`, { bearer: admin.accessToken, json: s.bad()[0] });
      expect(put.status).toBe(400);
      const patch = await req('PATCH', `/${s.path}/${created.id}`, { bearer: admin.accessToken, json: s.bad().at(-1) });
      expect(patch.status).toBe(400);
    });

    it(`${s.path}: 409 Conflict for a duplicate, 400 for a dangling reference`, async () => {
      const body = await s.fresh();
      expect((await req('POST', `/${s.path}`, { bearer: admin.accessToken, json: body })).status).toBe(201);
      const dup = await req('POST', `/${s.path}`, { bearer: admin.accessToken, json: body });
      expect(dup.status).toBe(409);
      expect(dup.body).toMatchObject({ name: 'Conflict', code: 409, className: 'conflict' });
      if (s.dangling) {
        const r = await req('POST', `/${s.path}`, { bearer: admin.accessToken, json: await s.dangling() });
        expect(r.status).toBe(400);
        expect(r.body).toMatchObject({ name: 'BadRequest', code: 400, className: 'bad-request' });
      }
    });
  }

  it('never shows an OAuth provider secret, and keeps it when an update leaves it out', async () => {
    const body = { slug: uniq('prov'), key: 'k', secret: 'very-secret-value', scope: 'email' };
    const created = await req('POST', '/oauth_providers', { bearer: admin.accessToken, json: body });
    expect(created.text).not.toContain('very-secret-value');
    expect(created.body).not.toHaveProperty('secret');
    const svc = admin.app.service('oauth_providers');
    for (const r of [await svc.get(created.body.id), (await svc.find({ query: { id: created.body.id } })).data[0], await svc.patch(created.body.id, { name: 'x' })]) expect(r).not.toHaveProperty('secret');
    await svc.update(created.body.id, { slug: body.slug, key: 'k2' });
    expect(await srv.core.records.oauthProviders.secretOf(body.slug)).toBe('very-secret-value');
    await svc.patch(created.body.id, { secret: null });
    expect(await srv.core.records.oauthProviders.secretOf(body.slug)).toBeUndefined();
    // Nor can a query probe it.
    expect((await req('GET', `/oauth_providers?secret=very-secret-value`, { bearer: admin.accessToken })).status).toBe(400);
  });

  it('lets owners read their own user_roles, user_group_roles and user_oauth_providers, and nobody else\'s', async () => {
    const own = await makeUser(srv);
    const other = (await signUp(srv)).id;
    const mine = {
      user_roles: await srv.core.records.userRoles.create({ user_id: own.id, role_id: await role() }),
      user_group_roles: await srv.core.records.userGroupRoles.create({ user_id: own.id, group_id: groupA, role_id: await role() }),
      user_oauth_providers: await srv.core.records.userOAuthProviders.create({ user_id: own.id, slug: 'github', sub: uniq('gh') }),
    };
    const theirs = {
      user_roles: await srv.core.records.userRoles.create({ user_id: other, role_id: await role() }),
      user_group_roles: await srv.core.records.userGroupRoles.create({ user_id: other, group_id: groupA, role_id: await role() }),
      user_oauth_providers: await srv.core.records.userOAuthProviders.create({ user_id: other, slug: 'github', sub: uniq('gh') }),
    };
    for (const path of ['user_roles', 'user_group_roles', 'user_oauth_providers'] as const) {
      const svc = own.app.service(path);
      const page = await svc.find({ query: {} });
      expect(page.data.map((r: Body) => r.user_id)).toEqual(page.data.map(() => own.id));
      expect(page.data.map((r: Body) => r.id)).toContain(mine[path].id);
      expect(await svc.get(mine[path].id)).toMatchObject({ id: mine[path].id, user_id: own.id });
      await expect(svc.get(theirs[path].id)).rejects.toMatchObject({ code: 403 });
      // A filter naming someone else still finds only the caller's.
      expect((await svc.find({ query: { user_id: other } })).total).toBe(0);
      await expect(svc.patch(mine[path].id, {})).rejects.toMatchObject({ code: 403 });
    }
    // Holding a role is no licence to grant one, nor to drop it.
    await expect(own.app.service('user_roles').create({ user_id: own.id, role_id: await role() })).rejects.toMatchObject({ code: 403 });
    await expect(own.app.service('user_roles').remove(mine.user_roles.id)).rejects.toMatchObject({ code: 403 });
    // A provider link: its owner unlinks it, but cannot make one (that is what signing in with the provider does).
    await expect(own.app.service('user_oauth_providers').create({ user_id: own.id, slug: 'github', sub: uniq('gh') })).rejects.toMatchObject({ code: 403 });
    await expect(own.app.service('user_oauth_providers').remove(theirs.user_oauth_providers.id)).rejects.toMatchObject({ code: 403 });
    expect(await own.app.service('user_oauth_providers').remove(mine.user_oauth_providers.id)).toMatchObject({ id: mine.user_oauth_providers.id });
  });

  it('puts a role given through user_roles into the global_roles claim and ARC permissions at the next sign-in', async () => {
    const u = await makeUser(srv);
    expect(decode(u.accessToken).global_roles).toEqual([]);
    const slug = uniq('editor');
    const scopeSlug = uniq('documents_edit');
    const r = await admin.app.service('roles').create({ slug, name: 'Editor' });
    const sc = await admin.app.service('access_scopes').create({ slug: scopeSlug });
    await admin.app.service('role_access_scopes').create({ role_id: r.id, access_scope_id: sc.id });
    const link = await admin.app.service('user_roles').create({ user_id: u.id, role_id: r.id });
    const again = await signIn(srv, u.email);
    expect(decode(again.accessToken).global_roles).toEqual([slug]);
    expect((await srv.core.accounts.profile(u.id))?.access.permissions).toContain(scopeSlug);
    await admin.app.service('user_roles').remove(link.id);
    expect(decode((await signIn(srv, u.email)).accessToken).global_roles).toEqual([]);
    expect((await srv.core.accounts.profile(u.id))?.access.permissions).not.toContain(scopeSlug);
  });

  it('grants a service through a scope held by a role: roles_read finds roles but does not create them', async () => {
    const reader = await makeUser(srv, { scopes: ['roles_read'] });
    const page = await reader.app.service('roles').find({ query: { slug: 'admin' } });
    expect(page.data).toHaveLength(1);
    await expect(reader.app.service('roles').create({ slug: uniq('nope') })).rejects.toMatchObject({ name: 'Forbidden', code: 403 });
    await expect(reader.app.service('roles').patch(page.data[0].id, { name: 'x' })).rejects.toMatchObject({ code: 403 });
    await expect(reader.app.service('access_scopes').find({ query: {} })).rejects.toMatchObject({ code: 403 });
    // A scope given later works at once: scopes are looked up on each call, not carried in the token.
    const writerRole = await roleWithScopes(srv, ['roles_create']);
    await srv.core.records.userRoles.create({ user_id: reader.id, role_id: writerRole });
    expect(await reader.app.service('roles').create({ slug: uniq('made') })).toMatchObject({ id: expect.any(Number) });
    // full_access holds every scope.
    const full = await makeUser(srv, { scopes: ['full_access'] });
    expect((await full.app.service('group_group_roles').find({ query: {} })).total).toBeGreaterThanOrEqual(0);
    expect(await full.app.service('access_scopes').create({ slug: uniq('by-full') })).toMatchObject({ id: expect.any(Number) });
  });

  it('refuses to rename or remove the built-in roles, and to remove a group type still in use, with 409 Conflict', async () => {
    const adminRole = (await admin.app.service('roles').find({ query: { slug: 'admin' } })).data[0];
    for (const r of [await req('PATCH', `/roles/${adminRole.id}`, { bearer: admin.accessToken, json: { slug: 'boss' } }), await req('DELETE', `/roles/${adminRole.id}`, { bearer: admin.accessToken })]) {
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({ name: 'Conflict', code: 409, className: 'conflict' });
    }
    const inUse = await req('DELETE', `/access_group_types/${typeId}`, { bearer: admin.accessToken });
    expect(inUse.status).toBe(409);
    expect(await admin.app.service('access_group_types').get(typeId)).toMatchObject({ id: typeId });
  });

  it('counts the groups a caller may read and lists those it holds a role in (access_groups count and available)', async () => {
    const member = await makeUser(srv);
    const r = await role();
    await srv.core.records.userGroupRoles.create({ user_id: member.id, group_id: groupA, role_id: r });
    const { app } = await signIn(srv, member.email);
    const groups = app.service('access_groups') as unknown as Application['services'][string] & { count(d: object): Promise<{ count: number }>; available(d: object): Promise<{ total: number; data: Body[] }> };
    // Its groups: the default one (role `user`), team A, and team B through team A (group_group_roles made above).
    const held = (await srv.core.claims.groupsOf(member.id)).map((g) => g.id);
    expect(held).toContain(groupA);
    expect(await groups.count({})).toEqual({ count: held.length });
    expect(await groups.count({ slug: 'team-a' })).toEqual({ count: 1 });
    expect(await groups.count({ slug: 'nobody-holds-this' })).toEqual({ count: 0 });
    const available = await groups.available({});
    expect(available.total).toBe(held.length);
    expect(available.data.map((g: Body) => g.id)).toEqual(held);
    expect(available.data.find((g: Body) => g.id === groupA)).toMatchObject({ slug: 'team-a', name: 'Team A', roles: [expect.any(String)] });
    // Others' groups are not counted: an administrator sees more.
    await admin.app.service('access_groups').create({ type_id: typeId, slug: uniq('g') });
    const total = (await admin.app.service('access_groups').find({ query: { $limit: 0 } })).total;
    const raw = await req('POST', '/access_groups', { bearer: admin.accessToken, json: {}, headers: { 'x-service-method': 'count' } });
    expect(raw.status).toBe(200);
    expect(raw.body).toEqual({ count: total });
    expect((await req('POST', '/access_groups', { json: {}, headers: { 'x-service-method': 'count' } })).status).toBe(401);
    const bad = await req('POST', '/access_groups', { bearer: admin.accessToken, json: { colour: 'red' }, headers: { 'x-service-method': 'count' } });
    expect(bad.status).toBe(400);
    const sock = socketClient(srv.url);
    try {
      await sock.app.authenticate({ strategy: 'jwt', accessToken: member.accessToken });
      expect(await (sock.app.service('access_groups') as unknown as typeof groups).available({})).toMatchObject({ total: held.length });
    } finally {
      sock.close();
    }
  });
});
