import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, decode, describeDb, startServer, type TestServer } from '../support/server.js';
import { arcFixture } from '../support/fixtures/arc.js';

/**
 * core.claims (global roles, groups, scopes, admin) over the records core.records writes, and
 * ARC's effective permissions seeing global roles given through user_roles.
 */
await describeDb('core.claims and ARC permissions from global roles', () => {
  let srv: TestServer;
  let fx: Awaited<ReturnType<typeof arcFixture>>;
  let rec: TestServer['core']['records'];

  beforeAll(async () => {
    srv = await startServer({ adminPassword: 'admin-pass-1' });
    rec = srv.core.records;
    // First start (an admin with role admin in the default group) runs on an empty store only.
    await srv.core.bootstrap();
    fx = await arcFixture(srv.core);
  });
  afterAll(() => srv?.close());

  const roleId = async (slug: string) => (await rec.roles.find({ where: { slug } })).data[0]!.id;
  const newUser = async (username: string, clientIds: number[] = []) => srv.core.accounts.create({ username, password: `pw-${username}`, clientIds });
  /** A role holding the given (new) access scopes. */
  async function roleWithScopes(slug: string, scopes: string[]) {
    const role = await rec.roles.create({ slug });
    for (const s of scopes) {
      const scope = await rec.accessScopes.create({ slug: s });
      await rec.roleAccessScopes.create({ role_id: role.id, access_scope_id: scope.id });
    }
    return role;
  }

  it('shows the scopes of a role given through user_roles in ARC permissions, in the profile and in a login token', async () => {
    const u = await newUser('arc-global', [fx.web.id]);
    const role = await roleWithScopes('auditor', ['ViewAudit', 'ExportAudit']);
    const perms = async () => (await srv.core.accounts.profile(u.id))!.access.permissions;
    expect(await perms()).not.toContain('ViewAudit');
    await rec.userRoles.create({ user_id: u.id, role_id: role.id });
    expect(await perms()).toEqual(expect.arrayContaining(['ViewAudit', 'ExportAudit']));

    const r = await client(srv.url)('POST', '/auth/login-token', { json: { client_id: 'web', client_secret: 'test', username: 'arc-global', password: 'pw-arc-global' } });
    expect(r.status, r.text).toBe(200);
    const claims = decode(r.body.accessToken as string);
    expect(claims.permissions).toEqual(expect.arrayContaining(['ViewAudit', 'ExportAudit']));
    // The tenant role (user) still decides ARC's role type; the global role adds permissions only.
    expect(claims.role).toBe('1');
  });

  it('keeps per-user overrides over a global role: a denied scope stays out, an allowed one comes in', async () => {
    const u = await newUser('arc-override');
    const role = await roleWithScopes('override-role', ['OverA', 'OverB']);
    await rec.userRoles.create({ user_id: u.id, role_id: role.id });
    await srv.store.db.transaction().execute(async (trx) => {
      await srv.store.rbac.setUserScope(trx, u.id, await srv.store.rbac.ensureScope(trx, 'OverA'), false);
      await srv.store.rbac.setUserScope(trx, u.id, await srv.store.rbac.ensureScope(trx, 'OverC'), true);
    });
    const perms = (await srv.core.accounts.profile(u.id))!.access.permissions;
    expect(perms).toContain('OverB');
    expect(perms).toContain('OverC');
    expect(perms).not.toContain('OverA');
  });

  it('lists global roles in role order, and none for an account without any', async () => {
    const u = await newUser('globals');
    expect(await srv.core.claims.globalRoles(u.id)).toEqual([]);
    const b = await rec.roles.create({ slug: 'global-b' });
    const a = await rec.roles.create({ slug: 'global-a' });
    await rec.userRoles.create({ user_id: u.id, role_id: a.id });
    await rec.userRoles.create({ user_id: u.id, role_id: b.id });
    expect(await srv.core.claims.globalRoles(u.id)).toEqual(['global-b', 'global-a']);
  });

  it('lists the groups a user holds roles in, with the roles a parent group’s members get in its child', async () => {
    const u = await newUser('grouped');
    const teams = await rec.groupTypes.create({ slug: 'teams' });
    const projects = await rec.groupTypes.create({ slug: 'projects' });
    const siglar = await rec.groups.create({ type_id: teams.id, slug: 'siglar', name: 'Siglar' });
    const base = await rec.groups.create({ type_id: projects.id, slug: 'base', name: 'Base' });
    const unnamed = await rec.groups.create({ type_id: projects.id, slug: 'unnamed' });
    const owner = await rec.roles.create({ slug: 'team-owner' });
    const member = await rec.roles.create({ slug: 'team-member' });
    const reader = await rec.roles.create({ slug: 'templates-read' });
    await rec.userGroupRoles.create({ user_id: u.id, group_id: siglar.id, role_id: member.id });
    await rec.userGroupRoles.create({ user_id: u.id, group_id: siglar.id, role_id: owner.id });
    // Members of siglar read templates in base, and (twice over) in siglar itself.
    await rec.groupGroupRoles.create({ parent_group_id: siglar.id, child_group_id: base.id, role_id: reader.id });
    await rec.groupGroupRoles.create({ parent_group_id: siglar.id, child_group_id: siglar.id, role_id: owner.id });
    // Rows with an open end, or from a group the user is not in, give nothing.
    await rec.groupGroupRoles.create({ parent_group_id: siglar.id, role_id: reader.id });
    await rec.groupGroupRoles.create({ parent_group_id: base.id, child_group_id: unnamed.id, role_id: reader.id });

    const defaultGroup = (await rec.groups.find({ where: { slug: 'default' } })).data[0]!;
    expect(await srv.core.claims.groupsOf(u.id)).toEqual([
      { id: defaultGroup.id, slug: 'default', name: 'Default', type: 'tenant', roles: ['user'] },
      { id: siglar.id, slug: 'siglar', name: 'Siglar', type: 'teams', roles: ['team-owner', 'team-member'] },
      { id: base.id, slug: 'base', name: 'Base', type: 'projects', roles: ['templates-read'] },
    ]);

    // A membership whose last role went grants nothing, inherited roles included.
    for (const r of (await rec.userGroupRoles.find({ where: { user_id: u.id, group_id: siglar.id } })).data) await rec.userGroupRoles.remove(r.id);
    expect((await srv.core.claims.groupsOf(u.id)).map((g) => g.slug)).toEqual(['default']);

    // A renamed group type shows under its new slug.
    await rec.userGroupRoles.create({ user_id: u.id, group_id: unnamed.id, role_id: member.id });
    await rec.groupTypes.patch(projects.id, { slug: 'product-access' });
    expect((await srv.core.claims.groupsOf(u.id)).find((g) => g.id === unnamed.id)).toEqual({ id: unnamed.id, slug: 'unnamed', name: null, type: 'product-access', roles: ['team-member'] });
  });

  it('collects the scopes of global, group and inherited group roles, once each', async () => {
    const u = await newUser('scoped');
    const type = await rec.groupTypes.create({ slug: 'scope-groups' });
    const parent = await rec.groups.create({ type_id: type.id, slug: 'scope-parent' });
    const child = await rec.groups.create({ type_id: type.id, slug: 'scope-child' });
    const global = await roleWithScopes('scope-global', ['t_users_read', 'shared_scope']);
    const inGroup = await roleWithScopes('scope-group', ['t_roles_read']);
    const inherited = await roleWithScopes('scope-inherited', ['t_access_groups_read']);
    const shared = (await rec.accessScopes.find({ where: { slug: 'shared_scope' } })).data[0]!;
    await rec.roleAccessScopes.create({ role_id: inGroup.id, access_scope_id: shared.id });
    const unrelated = await roleWithScopes('scope-unrelated', ['events_write']);

    await rec.userRoles.create({ user_id: u.id, role_id: global.id });
    await rec.userGroupRoles.create({ user_id: u.id, group_id: parent.id, role_id: inGroup.id });
    await rec.groupGroupRoles.create({ parent_group_id: parent.id, child_group_id: child.id, role_id: inherited.id });
    await rec.groupGroupRoles.create({ parent_group_id: child.id, child_group_id: parent.id, role_id: unrelated.id });

    const scopes = await srv.core.claims.scopesOf(u.id);
    expect([...scopes].sort()).toEqual(['shared_scope', 't_access_groups_read', 't_roles_read', 't_users_read']);
    expect(await srv.core.claims.scopesOf(999999)).toEqual([]);
  });

  it('counts as admin the seeded admin, a holder of the global admin role, but not admin of another group', async () => {
    const seeded = (await srv.core.accounts.byUsername('admin'))!;
    expect(await srv.core.claims.isAdmin(seeded.id)).toBe(true);
    expect(await srv.core.claims.isAdmin(fx.user.id)).toBe(true); // arcFixture's user: role admin in the default group

    const u = await newUser('maybe-admin');
    expect(await srv.core.claims.isAdmin(u.id)).toBe(false);
    const type = await rec.groupTypes.create({ slug: 'admin-elsewhere' });
    const other = await rec.groups.create({ type_id: type.id, slug: 'other-tenant' });
    await rec.userGroupRoles.create({ user_id: u.id, group_id: other.id, role_id: await roleId('admin') });
    expect(await srv.core.claims.isAdmin(u.id)).toBe(false);
    const ur = await rec.userRoles.create({ user_id: u.id, role_id: await roleId('admin') });
    expect(await srv.core.claims.isAdmin(u.id)).toBe(true);
    await rec.userRoles.remove(ur.id);
    expect(await srv.core.claims.isAdmin(u.id)).toBe(false);
  });
});
