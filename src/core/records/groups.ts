import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import type { RecordsRepo } from '../../store/records/index.js';
import { fail } from '../errors.js';
import { DEFAULT_GROUP_KEY } from '../bootstrap.js';
import { crud } from './crud.js';
import { mustExist, NAMED_RULES } from './roles.js';
import type { Group, GroupGroupRole, GroupGroupRoleInput, GroupInput, GroupType, GroupTypeInput, UserGroupRole, UserGroupRoleInput } from './types.js';

/** Group types, groups (an ARC tenant is a group of type `tenant`), users' and groups' roles in groups. */
export function groupRecords(db: Kysely<Database>, repo: RecordsRepo) {
  return {
    groupTypes: crud<GroupType, GroupTypeInput, GroupType, 'group_types'>(db, {
      repo: repo.groupTypes,
      rules: NAMED_RULES,
      unique: 'slug',
      out: (r) => r,
      async row(_trx, v) {
        return {
          ...(v.slug !== undefined && { slug: v.slug }),
          ...(v.name !== undefined && { name: v.name }),
          ...(v.description !== undefined && { description: v.description }),
        };
      },
      // groups.type holds the slug (ARC reads it): the groups follow a renamed type.
      async afterWrite(trx, before, after, now) {
        if (before.slug !== after.slug) await repo.retypeGroups(trx, before.slug, after.slug, now);
      },
      async beforeRemove(trx, current) {
        const n = await repo.groupsOfType(trx, current.slug);
        if (n > 0) fail('conflict', `${n} group(s) are of type ${current.slug}`);
      },
    }),

    groups: crud<Group, GroupInput, Group, 'groups'>(db, {
      repo: repo.groups,
      rules: {
        type_id: { type: 'id', required: true },
        slug: { type: 'text', max: 255, nonEmpty: true },
        name: { type: 'text', max: 255 },
        description: { type: 'text', max: 4096 },
      },
      unique: 'slug',
      out: (r) => r,
      async row(trx, v, mode, current) {
        // seed() finds the default group (ARC's tenant of every new account) by this slug at each start.
        if (current?.slug === DEFAULT_GROUP_KEY && v.slug !== undefined && v.slug !== DEFAULT_GROUP_KEY) fail('conflict', `the default group keeps its slug ${DEFAULT_GROUP_KEY}`);
        let type: string | undefined;
        if (v.type_id !== undefined) {
          type = await repo.typeSlug(trx, v.type_id);
          if (type === undefined) fail('invalid_input', `type_id ${v.type_id} does not exist`, { field: 'type_id' });
        }
        return {
          ...(type !== undefined && { type }),
          // The slug is groups.key (ARC's default tenant is the group `default`).
          ...(v.slug !== undefined && { key: v.slug }),
          // groups.name is NOT NULL (ARC's tenant name): a group without a name is stored as ''.
          ...(v.name !== undefined && { name: v.name ?? '' }),
          ...(v.description !== undefined && { description: v.description }),
          ...(mode === 'create' && { uuid: randomUUID(), locale: null }),
        };
      },
      async beforeRemove(trx, current) {
        const n = await repo.usersWithDefaultGroup(trx, current.id);
        if (n > 0) fail('conflict', `the group is the default group of ${n} account(s)`);
      },
    }),

    /**
     * A role held in a group goes through the user's membership of it (user_groups), created
     * with the first role. Removing the last role keeps the membership: it is ARC's user-tenant
     * link (its uuid is the token's userTenantId, its locale the user's preference there), and
     * an account's default group needs it to sign in through ARC at all. A membership without
     * roles grants nothing (store/claims.ts).
     */
    userGroupRoles: crud<UserGroupRole, UserGroupRoleInput, UserGroupRole, 'user_group_roles'>(db, {
      repo: repo.userGroupRoles,
      rules: { user_id: { type: 'id', required: true }, group_id: { type: 'id', required: true }, role_id: { type: 'id', required: true } },
      unique: 'role_id',
      out: (r) => r,
      async row(trx, v, _mode, current) {
        if (v.user_id !== undefined) await mustExist(trx, 'users', v.user_id, 'user_id');
        if (v.group_id !== undefined) await mustExist(trx, 'groups', v.group_id, 'group_id');
        if (v.role_id !== undefined) await mustExist(trx, 'roles', v.role_id, 'role_id');
        const userId = v.user_id ?? current?.user_id;
        const groupId = v.group_id ?? current?.group_id;
        const moved = userId !== current?.user_id || groupId !== current?.group_id;
        return {
          ...(moved && userId !== undefined && groupId !== undefined && { user_group_id: await repo.membership(trx, userId, groupId, randomUUID()) }),
          ...(v.role_id !== undefined && { role_id: v.role_id }),
        };
      },
    }),

    groupGroupRoles: crud<GroupGroupRole, GroupGroupRoleInput, GroupGroupRole, 'group_group_roles'>(db, {
      repo: repo.groupGroupRoles,
      rules: { parent_group_id: { type: 'id' }, child_group_id: { type: 'id' }, role_id: { type: 'id', required: true } },
      unique: 'role_id',
      out: (r) => r,
      async row(trx, v, _mode, current) {
        if (v.parent_group_id != null) await mustExist(trx, 'groups', v.parent_group_id, 'parent_group_id');
        if (v.child_group_id != null) await mustExist(trx, 'groups', v.child_group_id, 'child_group_id');
        if (v.role_id !== undefined) await mustExist(trx, 'roles', v.role_id, 'role_id');
        const next = {
          parent_group_id: v.parent_group_id !== undefined ? v.parent_group_id : (current?.parent_group_id ?? null),
          child_group_id: v.child_group_id !== undefined ? v.child_group_id : (current?.child_group_id ?? null),
          role_id: v.role_id ?? (current?.role_id as number),
        };
        // No unique index on this table (0005): the same grant twice is refused here.
        if (await repo.groupGroupRoleTwin(trx, next, current?.id ?? 0)) fail('taken', 'the group already holds this role in that group', { field: 'role_id' });
        return {
          ...(v.parent_group_id !== undefined && { parent_group_id: v.parent_group_id }),
          ...(v.child_group_id !== undefined && { child_group_id: v.child_group_id }),
          ...(v.role_id !== undefined && { role_id: v.role_id }),
        };
      },
    }),
  };
}
