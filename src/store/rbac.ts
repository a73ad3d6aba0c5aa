import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';
import { reusable } from './reusable.js';

type Q = Kysely<Database> | Transaction<Database>;

/** What a user may do inside their default group (an ARC tenant). */
export interface AccessRow {
  groupUuid: string | null;
  groupLocale: string | null;
  userGroupUuid: string | null;
  userGroupLocale: string | null;
  roleType: number | null;
  roleSlugs: string[];
  permissions: string[];
}

export function rbacRepo(db: Kysely<Database>) {
  // The effective permissions are read on every login and refresh: these are compiled once.
  const q = {
    userGroup: reusable(db, (userId: number, groupId: number) =>
      db
        .selectFrom('user_groups')
        .innerJoin('groups', 'groups.id', 'user_groups.group_id')
        .select(['user_groups.id as ugId', 'user_groups.uuid as ugUuid', 'user_groups.locale as ugLocale', 'groups.uuid as gUuid', 'groups.locale as gLocale'])
        .where('user_groups.user_id', '=', userId)
        .where('user_groups.group_id', '=', groupId),
    ),
    roles: reusable(db, (userGroupId: number) =>
      db
        .selectFrom('user_group_roles')
        .innerJoin('roles', 'roles.id', 'user_group_roles.role_id')
        .select(['roles.id', 'roles.slug', 'roles.role_type'])
        .where('user_group_roles.user_group_id', '=', userGroupId)
        .orderBy('roles.id'),
    ),
    // The scopes of the roles held in the tenant and of the global roles (user_roles), in one read.
    roleScopes: reusable(db, (userGroupId: number, userId: number) =>
      db
        .selectFrom('role_scopes')
        .innerJoin('scopes', 'scopes.id', 'role_scopes.scope_id')
        .select('scopes.name')
        .where((eb) =>
          eb.or([
            eb('role_scopes.role_id', 'in', db.selectFrom('user_group_roles').select('role_id').where('user_group_id', '=', userGroupId)),
            eb('role_scopes.role_id', 'in', db.selectFrom('user_roles').select('role_id').where('user_id', '=', userId)),
          ]),
        )
        .orderBy('scopes.id'),
    ),
    overrides: reusable(db, (userId: number) =>
      db
        .selectFrom('user_scopes')
        .innerJoin('scopes', 'scopes.id', 'user_scopes.scope_id')
        .select(['scopes.name', 'user_scopes.allowed'])
        .where('user_scopes.user_id', '=', userId)
        .orderBy('scopes.id'),
    ),
  };
  return {
    /** The scope named `name`, made (with `label`) when missing; an existing one is left as it is. */
    async ensureScope(trx: Q, name: string, label: string | null = null): Promise<number> {
      const now = Date.now();
      await trx.insertInto('scopes').values({ name, label, description: label === null ? null : '', created_at: now, updated_at: now }).onConflict((oc) => oc.column('name').doNothing()).execute();
      const row = await trx.selectFrom('scopes').select('id').where('name', '=', name).executeTakeFirstOrThrow();
      return row.id;
    },
    async ensureRole(trx: Q, slug: string, name: string, roleType: number, scopes: string[]): Promise<number> {
      const now = Date.now();
      await trx.insertInto('roles').values({ slug, name, role_type: roleType, created_at: now, updated_at: now }).onConflict((oc) => oc.column('slug').doNothing()).execute();
      const role = await trx.selectFrom('roles').select('id').where('slug', '=', slug).executeTakeFirstOrThrow();
      for (const s of scopes) {
        const scopeId = await this.ensureScope(trx, s);
        await trx.insertInto('role_scopes').values({ role_id: role.id, scope_id: scopeId, created_at: now, updated_at: now }).onConflict((oc) => oc.doNothing()).execute();
      }
      return role.id;
    },
    async roleId(trx: Q, slug: string): Promise<number | undefined> {
      return (await trx.selectFrom('roles').select('id').where('slug', '=', slug).executeTakeFirst())?.id;
    },
    roleBySlug: (slug: string) => db.selectFrom('roles').selectAll().where('slug', '=', slug).executeTakeFirst(),
    async ensureGroup(trx: Q, uuid: string, type: string, name: string, key: string, now: number): Promise<number> {
      await trx.insertInto('group_types').values({ slug: type, name: type, description: null, created_at: now, updated_at: now }).onConflict((oc) => oc.column('slug').doNothing()).execute();
      await trx.insertInto('groups').values({ uuid, type, name, key, locale: null, created_at: now, updated_at: now }).onConflict((oc) => oc.column('key').doNothing()).execute();
      const g = await trx.selectFrom('groups').select('id').where('key', '=', key).executeTakeFirstOrThrow();
      return g.id;
    },
    async addMembership(trx: Q, uuid: string, userId: number, groupId: number, roleIds: number[]): Promise<void> {
      const ug = await trx.insertInto('user_groups').values({ uuid, user_id: userId, group_id: groupId, locale: null }).returning('id').executeTakeFirstOrThrow();
      const now = Date.now();
      for (const roleId of roleIds) await trx.insertInto('user_group_roles').values({ user_group_id: ug.id, role_id: roleId, created_at: now, updated_at: now }).execute();
    },
    async setUserScope(trx: Q, userId: number, scopeId: number, allowed: boolean): Promise<void> {
      await trx
        .insertInto('user_scopes')
        .values({ user_id: userId, scope_id: scopeId, allowed: allowed ? 1 : 0 })
        .onConflict((oc) => oc.columns(['user_id', 'scope_id']).doUpdateSet({ allowed: allowed ? 1 : 0 }))
        .execute();
    },
    /**
     * The scopes of the user's roles in the tenant and of its global roles (user_roles, given
     * through Feathers), then per-user allow/deny overrides (ARC's effective permissions).
     */
    async access(userId: number, groupId: number | null): Promise<AccessRow> {
      const ug = groupId === null ? undefined : (await q.userGroup(userId, groupId)).rows[0];
      const roles = ug ? (await q.roles(ug.ugId)).rows : [];
      // No membership: 0 matches no user_groups id, and the global roles still count.
      const roleScopes = (await q.roleScopes(ug?.ugId ?? 0, userId)).rows;
      const overrides = (await q.overrides(userId)).rows;
      const perms: string[] = [];
      for (const s of roleScopes) if (!perms.includes(s.name)) perms.push(s.name);
      for (const o of overrides) {
        const i = perms.indexOf(o.name);
        if (o.allowed && i < 0) perms.push(o.name);
        if (!o.allowed && i >= 0) perms.splice(i, 1);
      }
      return {
        groupUuid: ug?.gUuid ?? null,
        groupLocale: ug?.gLocale ?? null,
        userGroupUuid: ug?.ugUuid ?? null,
        userGroupLocale: ug?.ugLocale ?? null,
        roleType: roles[0]?.role_type ?? null,
        roleSlugs: roles.map((r) => r.slug),
        permissions: perms,
      };
    },
    async allScopeNames(): Promise<string[]> {
      return (await db.selectFrom('scopes').select('name').orderBy('id').execute()).map((r) => r.name);
    },
  };
}
export type RbacRepo = ReturnType<typeof rbacRepo>;
