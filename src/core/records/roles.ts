import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { exists, userExists, type Q, type RecordsRepo } from '../../store/records/index.js';
import { fail } from '../errors.js';
import { crud } from './crud.js';
import type { Rules } from './input.js';
import type { AccessScope, AccessScopeInput, NamedInput, Role, RoleAccessScope, RoleAccessScopeInput, RoleInput, UserRole, UserRoleInput } from './types.js';

/** Slugs, names and descriptions of roles, access scopes and group types. */
export const NAMED_RULES: Rules<NamedInput> = {
  slug: { type: 'text', required: true, max: 255 },
  name: { type: 'text', max: 255 },
  description: { type: 'text', max: 4096 },
};

/** Fails 'invalid_input' on `field` unless the referenced row exists. */
export async function mustExist(trx: Q, table: 'roles' | 'scopes' | 'groups' | 'group_types' | 'users', id: number, field: string): Promise<void> {
  const found = table === 'users' ? await userExists(trx, id) : await exists(trx, table, id);
  if (!found) fail('invalid_input', `${field} ${id} does not exist`, { field });
}

/**
 * The roles seed() makes (bootstrap.ts) and finds again by slug: `admin` (the first account's,
 * the one isAdmin asks for) and `user` (every new account's). Renamed or removed, they would come
 * back as new rows at the next start while accounts still hold the old ones.
 */
const BUILT_IN_ROLES: readonly string[] = ['admin', 'user'];

/** Roles, access scopes, the scopes of each role, and global roles. */
export function roleRecords(db: Kysely<Database>, repo: RecordsRepo) {
  return {
    roles: crud<Role, RoleInput, Role, 'roles'>(db, {
      repo: repo.roles,
      rules: NAMED_RULES,
      unique: 'slug',
      out: (r) => r,
      async row(_trx, v, mode, current) {
        if (current && BUILT_IN_ROLES.includes(current.slug) && v.slug !== undefined && v.slug !== current.slug) fail('conflict', `the built-in role ${current.slug} keeps its slug`);
        // roles.name is NOT NULL (ARC shows it): a role without a name is stored as ''.
        return {
          ...(v.slug !== undefined && { slug: v.slug }),
          ...(v.name !== undefined && { name: v.name ?? '' }),
          ...(v.description !== undefined && { description: v.description }),
          // ARC's role type of a role made here: 1, as the column's default and the seeded `user`.
          ...(mode === 'create' && { role_type: 1 }),
        };
      },
      async beforeRemove(_trx, current) {
        if (BUILT_IN_ROLES.includes(current.slug)) fail('conflict', `the built-in role ${current.slug} cannot be removed`);
      },
    }),

    // The access scope's slug is scopes.name, the permission ARC tokens carry; its name is scopes.label.
    accessScopes: crud<AccessScope, AccessScopeInput, AccessScope, 'scopes'>(db, {
      repo: repo.accessScopes,
      rules: NAMED_RULES,
      unique: 'slug',
      out: (r) => r,
      async row(_trx, v) {
        return {
          ...(v.slug !== undefined && { name: v.slug }),
          ...(v.name !== undefined && { label: v.name }),
          ...(v.description !== undefined && { description: v.description }),
        };
      },
    }),

    roleAccessScopes: crud<RoleAccessScope, RoleAccessScopeInput, RoleAccessScope, 'role_scopes'>(db, {
      repo: repo.roleAccessScopes,
      rules: { role_id: { type: 'id', required: true }, access_scope_id: { type: 'id', required: true } },
      unique: 'access_scope_id',
      out: (r) => r,
      async row(trx, v) {
        if (v.role_id !== undefined) await mustExist(trx, 'roles', v.role_id, 'role_id');
        if (v.access_scope_id !== undefined) await mustExist(trx, 'scopes', v.access_scope_id, 'access_scope_id');
        return { ...(v.role_id !== undefined && { role_id: v.role_id }), ...(v.access_scope_id !== undefined && { scope_id: v.access_scope_id }) };
      },
    }),

    userRoles: crud<UserRole, UserRoleInput, UserRole, 'user_roles'>(db, {
      repo: repo.userRoles,
      rules: { user_id: { type: 'id', required: true }, role_id: { type: 'id', required: true } },
      unique: 'role_id',
      out: (r) => r,
      async row(trx, v) {
        if (v.user_id !== undefined) await mustExist(trx, 'users', v.user_id, 'user_id');
        if (v.role_id !== undefined) await mustExist(trx, 'roles', v.role_id, 'role_id');
        return { ...(v.user_id !== undefined && { user_id: v.user_id }), ...(v.role_id !== undefined && { role_id: v.role_id }) };
      },
    }),
  };
}
