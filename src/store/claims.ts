import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { reusable } from './reusable.js';

/** One role a user holds in one group, directly or through a parent group. */
export interface GroupRoleRow {
  id: number;
  slug: string | null;
  /** groups.name as stored ('' for a group without a name). */
  name: string;
  /** The group type's slug (groups.type). */
  type: string;
  role_id: number;
  role: string;
}

/**
 * What a user holds across the RBAC tables, for token claims and authorization checks. These run
 * on every Feathers login and refresh (and the checks on requests): compiled once (reusable.ts).
 *
 * "Member of a group" means holding at least one role in it (user_group_roles). The membership
 * row alone (user_groups, which outlives its last role as ARC's tenant link) grants nothing.
 * A group-group-role {parent P, child C, role R} gives every member of P the role R in C; one
 * level only (C's own children are not reached), and rows with a null parent or child give nothing.
 */
export function claimsRepo(db: Kysely<Database>) {
  // The groups the user is a member of.
  const memberOf = (userId: number) =>
    db.selectFrom('user_groups').innerJoin('user_group_roles', 'user_group_roles.user_group_id', 'user_groups.id').select('user_groups.group_id').where('user_groups.user_id', '=', userId);
  const q = {
    globalRoles: reusable(db, (userId: number) =>
      db.selectFrom('user_roles').innerJoin('roles', 'roles.id', 'user_roles.role_id').select('roles.slug').where('user_roles.user_id', '=', userId).orderBy('roles.id'),
    ),
    groupRoles: reusable(db, (userId: number) =>
      db
        .selectFrom('user_groups')
        .innerJoin('user_group_roles', 'user_group_roles.user_group_id', 'user_groups.id')
        .innerJoin('groups', 'groups.id', 'user_groups.group_id')
        .innerJoin('roles', 'roles.id', 'user_group_roles.role_id')
        .select(['groups.id', 'groups.key as slug', 'groups.name', 'groups.type', 'roles.id as role_id', 'roles.slug as role'])
        .where('user_groups.user_id', '=', userId)
        .unionAll(
          db
            .selectFrom('group_group_roles')
            .innerJoin('groups', 'groups.id', 'group_group_roles.child_group_id')
            .innerJoin('roles', 'roles.id', 'group_group_roles.role_id')
            .select(['groups.id', 'groups.key as slug', 'groups.name', 'groups.type', 'roles.id as role_id', 'roles.slug as role'])
            .where('group_group_roles.parent_group_id', 'in', memberOf(userId)),
        ),
    ),
    scopes: reusable(db, (userId: number) =>
      db
        .selectFrom('scopes')
        .select('scopes.name')
        .where('scopes.id', 'in', (eb) =>
          eb
            .selectFrom('role_scopes')
            .select('role_scopes.scope_id')
            .where((w) =>
              w.or([
                w('role_scopes.role_id', 'in', db.selectFrom('user_roles').select('role_id').where('user_id', '=', userId)),
                w('role_scopes.role_id', 'in', db.selectFrom('user_groups').innerJoin('user_group_roles', 'user_group_roles.user_group_id', 'user_groups.id').select('user_group_roles.role_id').where('user_groups.user_id', '=', userId)),
                w(
                  'role_scopes.role_id',
                  'in',
                  db.selectFrom('group_group_roles').select('role_id').where('child_group_id', 'is not', null).where('parent_group_id', 'in', memberOf(userId)),
                ),
              ]),
            ),
        )
        .orderBy('scopes.id'),
    ),
    // The seeded admin holds `admin` in its default group (ARC's tenant), not in user_roles.
    isAdmin: reusable(db, (userId: number, adminSlug: string) =>
      db
        .selectFrom('roles')
        .select('roles.id')
        .where('roles.slug', '=', adminSlug)
        .where((eb) =>
          eb.or([
            eb('roles.id', 'in', db.selectFrom('user_roles').select('role_id').where('user_id', '=', userId)),
            eb(
              'roles.id',
              'in',
              db
                .selectFrom('user_groups')
                .innerJoin('users', (j) => j.onRef('users.id', '=', 'user_groups.user_id').onRef('users.default_group_id', '=', 'user_groups.group_id'))
                .innerJoin('user_group_roles', 'user_group_roles.user_group_id', 'user_groups.id')
                .select('user_group_roles.role_id')
                .where('user_groups.user_id', '=', userId),
            ),
          ]),
        )
        .limit(1),
    ),
  };
  return {
    /** Slugs of the user's global roles (user_roles), in role order. */
    globalRoles: async (userId: number): Promise<string[]> => (await q.globalRoles(userId)).rows.map((r) => r.slug),
    /** Every (group, role) the user holds, direct and inherited, unordered and possibly repeated. */
    groupRoles: async (userId: number): Promise<GroupRoleRow[]> => (await q.groupRoles(userId)).rows,
    /** Names (ARC permissions, Feathers access-scope slugs) of the scopes of all the user's roles, global and in groups. */
    scopes: async (userId: number): Promise<string[]> => (await q.scopes(userId)).rows.map((r) => r.name),
    /** Whether the user holds role `adminSlug` globally or in its default group. */
    holdsAdmin: async (userId: number, adminSlug: string): Promise<boolean> => (await q.isAdmin(userId, adminSlug)).rows.length > 0,
  };
}
export type ClaimsRepo = ReturnType<typeof claimsRepo>;
