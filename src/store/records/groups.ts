import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { tableRepo, viewColumns, type Q } from './common.js';

const STAMPS = { created_at: 'date', updated_at: 'date' } as const;

export const GROUP_TYPE_COLUMNS = viewColumns({ id: 'number', slug: 'string', name: 'string', description: 'string', ...STAMPS });
/** A group's slug is groups.key; its type_id the group type whose slug groups.type holds (ARC reads the slug). */
export const GROUP_COLUMNS = viewColumns({ id: 'number', type_id: 'number', slug: 'string', name: 'string', description: 'string', ...STAMPS });
export const USER_GROUP_ROLE_COLUMNS = viewColumns({ id: 'number', user_id: 'number', group_id: 'number', role_id: 'number', ...STAMPS });
export const GROUP_GROUP_ROLE_COLUMNS = viewColumns({ id: 'number', parent_group_id: 'number', child_group_id: 'number', role_id: 'number', ...STAMPS });

const groupTypeView = (q: Q) => q.selectFrom('group_types').select(['id', 'slug', 'name', 'description', 'created_at', 'updated_at']);
// groups.name is NOT NULL (ARC's tenant name): a group without a name is stored as '' and read back as null.
// A left join: a group whose type row is missing (written outside Gatehouse) still shows, with type_id null.
const groupView = (q: Q) =>
  q
    .selectFrom('groups')
    .leftJoin('group_types', 'group_types.slug', 'groups.type')
    .select(['groups.id', 'group_types.id as type_id', 'groups.key as slug', sql<string | null>`nullif(groups.name, '')`.as('name'), 'groups.description', 'groups.created_at', 'groups.updated_at']);
// The Feathers record flattens the membership (user_groups) a role is held through.
const userGroupRoleView = (q: Q) =>
  q
    .selectFrom('user_group_roles')
    .innerJoin('user_groups', 'user_groups.id', 'user_group_roles.user_group_id')
    .select(['user_group_roles.id', 'user_groups.user_id', 'user_groups.group_id', 'user_group_roles.role_id', 'user_group_roles.created_at', 'user_group_roles.updated_at']);
const groupGroupRoleView = (q: Q) => q.selectFrom('group_group_roles').select(['id', 'parent_group_id', 'child_group_id', 'role_id', 'created_at', 'updated_at']);

export type GroupTypeView = Awaited<ReturnType<ReturnType<typeof groupTypeView>['executeTakeFirstOrThrow']>>;
export type GroupView = Awaited<ReturnType<ReturnType<typeof groupView>['executeTakeFirstOrThrow']>>;
export type UserGroupRoleView = Awaited<ReturnType<ReturnType<typeof userGroupRoleView>['executeTakeFirstOrThrow']>>;
export type GroupGroupRoleView = Awaited<ReturnType<ReturnType<typeof groupGroupRoleView>['executeTakeFirstOrThrow']>>;

/** Group types, groups, users' roles in groups and groups' roles in groups (Feathers RBAC records). */
export function groupRecordsRepo(db: Kysely<Database>) {
  return {
    groupTypes: tableRepo(db, 'group_types', groupTypeView, GROUP_TYPE_COLUMNS),
    groups: tableRepo(db, 'groups', groupView, GROUP_COLUMNS),
    userGroupRoles: tableRepo(db, 'user_group_roles', userGroupRoleView, USER_GROUP_ROLE_COLUMNS),
    groupGroupRoles: tableRepo(db, 'group_group_roles', groupGroupRoleView, GROUP_GROUP_ROLE_COLUMNS),

    async typeSlug(q: Q, typeId: number): Promise<string | undefined> {
      return (await q.selectFrom('group_types').select('slug').where('id', '=', typeId).executeTakeFirst())?.slug;
    },
    /** Groups name their type by slug: a renamed type takes its groups along (same transaction as the rename). */
    async retypeGroups(q: Q, from: string, to: string, now: number): Promise<void> {
      await q.updateTable('groups').set({ type: to, updated_at: now }).where('type', '=', from).execute();
    },
    async groupsOfType(q: Q, slug: string): Promise<number> {
      const r = await q.selectFrom('groups').select((eb) => eb.fn.countAll<number | string>().as('n')).where('type', '=', slug).executeTakeFirstOrThrow();
      return Number(r.n);
    },
    /** Accounts (deleted ones included: the foreign key counts them too) whose default group this is. */
    async usersWithDefaultGroup(q: Q, groupId: number): Promise<number> {
      const r = await q.selectFrom('users').select((eb) => eb.fn.countAll<number | string>().as('n')).where('default_group_id', '=', groupId).executeTakeFirstOrThrow();
      return Number(r.n);
    },
    /** The id of the user's membership of the group (ARC's user-tenant), created with `uuid` when missing. */
    async membership(q: Q, userId: number, groupId: number, uuid: string): Promise<number> {
      await q.insertInto('user_groups').values({ uuid, user_id: userId, group_id: groupId, locale: null }).onConflict((oc) => oc.columns(['user_id', 'group_id']).doNothing()).execute();
      const r = await q.selectFrom('user_groups').select('id').where('user_id', '=', userId).where('group_id', '=', groupId).executeTakeFirstOrThrow();
      return r.id;
    },
    /** Another group-group-role with the same parent, child and role (null matching null); the table has no unique index. */
    async groupGroupRoleTwin(q: Q, row: { parent_group_id: number | null; child_group_id: number | null; role_id: number }, exceptId: number): Promise<boolean> {
      const r = await q
        .selectFrom('group_group_roles')
        .select('id')
        .where((eb) =>
          eb.and([
            row.parent_group_id === null ? eb('parent_group_id', 'is', null) : eb('parent_group_id', '=', row.parent_group_id),
            row.child_group_id === null ? eb('child_group_id', 'is', null) : eb('child_group_id', '=', row.child_group_id),
            eb('role_id', '=', row.role_id),
            eb('id', '<>', exceptId),
          ]),
        )
        .executeTakeFirst();
      return r !== undefined;
    },
  };
}
