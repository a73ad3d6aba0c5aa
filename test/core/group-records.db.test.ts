import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb, startServer, type TestServer } from '../support/server.js';
import { CoreError } from '../../src/core/errors.js';

/** core.records for groups: group types, groups, users' roles in groups and groups' roles in groups, on both engines. */
await describeDb('core.records: groups', () => {
  let srv: TestServer;
  let rec: TestServer['core']['records'];
  let userId: number;

  beforeAll(async () => {
    srv = await startServer();
    rec = srv.core.records;
    userId = (await srv.core.accounts.create({ username: 'group-user', password: 'pw-group-user' })).id;
  });
  afterAll(() => srv?.close());

  /** The CoreError code and field a call fails with. */
  async function failure(p: Promise<unknown>): Promise<{ code: string; field?: string }> {
    try {
      await p;
    } catch (e) {
      if (e instanceof CoreError) return { code: e.code, ...(e.detail.field !== undefined && { field: e.detail.field }) };
      throw e;
    }
    throw new Error('expected a CoreError');
  }
  const db = () => srv.store.db;

  it('renames the slug held by groups.type along with its group type, in one write', async () => {
    const type = await rec.groupTypes.create({ slug: 'team', name: 'Team' });
    const g = await rec.groups.create({ type_id: type.id, slug: 'team-a', name: 'Team A' });
    expect(g).toMatchObject({ type_id: type.id, slug: 'team-a', name: 'Team A', description: null });
    const renamed = await rec.groupTypes.patch(type.id, { slug: 'squad' });
    expect(renamed).toMatchObject({ id: type.id, slug: 'squad', name: 'Team' });
    const raw = await db().selectFrom('groups').select(['type', 'key', 'uuid', 'locale']).where('id', '=', g.id).executeTakeFirstOrThrow();
    expect(raw).toMatchObject({ type: 'squad', key: 'team-a', locale: null });
    expect(raw.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect((await rec.groups.get(g.id))?.type_id).toBe(type.id);
    expect((await rec.groups.find({ where: { type_id: type.id } })).data.map((x) => x.id)).toEqual([g.id]);
    // A rename that fails (the slug is taken) leaves the groups on the old slug.
    await rec.groupTypes.create({ slug: 'guild' });
    expect(await failure(rec.groupTypes.update(type.id, { slug: 'guild' }))).toEqual({ code: 'taken', field: 'slug' });
    expect((await db().selectFrom('groups').select('type').where('id', '=', g.id).executeTakeFirstOrThrow()).type).toBe('squad');
  });

  it('refuses to remove a group type that groups still use with conflict, and removes it once unused', async () => {
    const type = await rec.groupTypes.create({ slug: 'dept' });
    const g = await rec.groups.create({ type_id: type.id, slug: 'dept-a' });
    expect(await failure(rec.groupTypes.remove(type.id))).toEqual({ code: 'conflict' });
    expect(await rec.groupTypes.get(type.id)).toMatchObject({ slug: 'dept' });
    expect(await rec.groups.remove(g.id)).toMatchObject({ id: g.id, slug: 'dept-a' });
    expect(await rec.groupTypes.remove(type.id)).toMatchObject({ id: type.id, slug: 'dept' });
  });

  it('creates groups of an existing type only, moves them between types, and keeps a group that is some account’s default', async () => {
    const a = await rec.groupTypes.create({ slug: 'kind-a' });
    const b = await rec.groupTypes.create({ slug: 'kind-b' });
    expect(await failure(rec.groups.create({ type_id: 999999, slug: 'nope' }))).toEqual({ code: 'invalid_input', field: 'type_id' });
    expect(await failure(rec.groups.create({ slug: 'nope' } as never))).toEqual({ code: 'invalid_input', field: 'type_id' });
    const g = await rec.groups.create({ type_id: a.id });
    expect(g).toMatchObject({ type_id: a.id, slug: null, name: null });
    expect((await db().selectFrom('groups').select('name').where('id', '=', g.id).executeTakeFirstOrThrow()).name).toBe('');
    expect(await rec.groups.patch(g.id, { type_id: b.id, name: 'Moved' })).toMatchObject({ type_id: b.id, name: 'Moved' });
    expect((await db().selectFrom('groups').select('type').where('id', '=', g.id).executeTakeFirstOrThrow()).type).toBe('kind-b');
    const def = (await rec.groups.find({ where: { slug: 'default' } })).data[0]!;
    const tenant = (await rec.groupTypes.find({ where: { slug: 'tenant' } })).data[0]!;
    expect(def.type_id).toBe(tenant.id);
    expect(await failure(rec.groups.remove(def.id))).toEqual({ code: 'conflict' });
    expect(await rec.groups.get(def.id)).toEqual(def);
  });

  it('creates the membership with the first role in a group, reuses it, and keeps it when the last role goes', async () => {
    const type = await rec.groupTypes.create({ slug: 'club' });
    const g1 = await rec.groups.create({ type_id: type.id, slug: 'club-1' });
    const g2 = await rec.groups.create({ type_id: type.id, slug: 'club-2' });
    const r1 = await rec.roles.create({ slug: 'club-member' });
    const r2 = await rec.roles.create({ slug: 'club-owner' });
    const memberships = () => db().selectFrom('user_groups').selectAll().where('user_id', '=', userId).where('group_id', 'in', [g1.id, g2.id]).orderBy('id').execute();

    const a = await rec.userGroupRoles.create({ user_id: userId, group_id: g1.id, role_id: r1.id });
    expect(a).toEqual({ id: expect.any(Number), user_id: userId, group_id: g1.id, role_id: r1.id, created_at: expect.any(Number), updated_at: expect.any(Number) });
    const [m] = await memberships();
    expect(m).toMatchObject({ user_id: userId, group_id: g1.id, locale: null });
    expect(m!.uuid).toMatch(/^[0-9a-f-]{36}$/);
    const b = await rec.userGroupRoles.create({ user_id: userId, group_id: g1.id, role_id: r2.id });
    expect(await memberships()).toHaveLength(1);
    expect(await failure(rec.userGroupRoles.create({ user_id: userId, group_id: g1.id, role_id: r1.id }))).toEqual({ code: 'taken', field: 'role_id' });
    expect(await failure(rec.userGroupRoles.create({ user_id: userId, group_id: 999999, role_id: r1.id }))).toEqual({ code: 'invalid_input', field: 'group_id' });
    expect(await failure(rec.userGroupRoles.create({ user_id: 999999, group_id: g1.id, role_id: r1.id }))).toEqual({ code: 'invalid_input', field: 'user_id' });
    expect(await failure(rec.userGroupRoles.create({ user_id: userId, group_id: g1.id, role_id: 999999 }))).toEqual({ code: 'invalid_input', field: 'role_id' });

    // Moving a role to another group goes through (and creates) the membership of that group.
    const moved = await rec.userGroupRoles.patch(b.id, { group_id: g2.id });
    expect(moved).toMatchObject({ id: b.id, user_id: userId, group_id: g2.id, role_id: r2.id });
    expect((await memberships()).map((x) => x.group_id)).toEqual([g1.id, g2.id]);
    expect((await rec.userGroupRoles.find({ where: { user_id: userId, group_id: { inq: [g1.id, g2.id] } }, order: 'group_id DESC' })).data.map((x) => x.id)).toEqual([b.id, a.id]);

    expect(await rec.userGroupRoles.remove(a.id)).toEqual(a);
    expect(await rec.userGroupRoles.get(a.id)).toBeUndefined();
    expect((await memberships()).map((x) => x.group_id)).toEqual([g1.id, g2.id]);
  });

  it('records group-group roles with optional ends, refusing unknown groups and the same grant twice', async () => {
    const type = await rec.groupTypes.create({ slug: 'org' });
    const p = await rec.groups.create({ type_id: type.id, slug: 'org-parent' });
    const c = await rec.groups.create({ type_id: type.id, slug: 'org-child' });
    const role = await rec.roles.create({ slug: 'org-viewer' });
    const ggr = await rec.groupGroupRoles.create({ parent_group_id: p.id, child_group_id: c.id, role_id: role.id });
    expect(ggr).toEqual({ id: expect.any(Number), parent_group_id: p.id, child_group_id: c.id, role_id: role.id, created_at: expect.any(Number), updated_at: expect.any(Number) });
    expect(await failure(rec.groupGroupRoles.create({ parent_group_id: p.id, child_group_id: c.id, role_id: role.id }))).toEqual({ code: 'taken', field: 'role_id' });
    expect(await failure(rec.groupGroupRoles.create({ parent_group_id: 999999, child_group_id: c.id, role_id: role.id }))).toEqual({ code: 'invalid_input', field: 'parent_group_id' });
    expect(await failure(rec.groupGroupRoles.create({ child_group_id: c.id } as never))).toEqual({ code: 'invalid_input', field: 'role_id' });
    const open = await rec.groupGroupRoles.create({ role_id: role.id });
    expect(open).toMatchObject({ parent_group_id: null, child_group_id: null });
    expect(await failure(rec.groupGroupRoles.create({ parent_group_id: null, role_id: role.id }))).toEqual({ code: 'taken', field: 'role_id' });
    // Patching a row onto itself is no twin.
    expect(await rec.groupGroupRoles.patch(ggr.id, { child_group_id: c.id })).toMatchObject({ id: ggr.id });
    expect(await failure(rec.groupGroupRoles.patch(open.id, { parent_group_id: p.id, child_group_id: c.id }))).toEqual({ code: 'taken', field: 'role_id' });
    expect(await rec.groupGroupRoles.update(open.id, { parent_group_id: c.id, role_id: role.id })).toMatchObject({ parent_group_id: c.id, child_group_id: null });
    expect((await rec.groupGroupRoles.find({ where: { role_id: role.id, child_group_id: null } })).data.map((x) => x.id)).toEqual([open.id]);
  });
});
