import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { tableRepo, viewColumns, type Q } from './common.js';

const STAMPS = { created_at: 'date', updated_at: 'date' } as const;

/** roles.name is NOT NULL (ARC); a role without a name is stored as '' and read back as null. */
export const ROLE_COLUMNS = viewColumns({ id: 'number', slug: 'string', name: 'string', description: 'string', ...STAMPS });
/** An access scope's slug is scopes.name (the ARC permission), its name scopes.label. */
export const ACCESS_SCOPE_COLUMNS = viewColumns({ id: 'number', slug: 'string', name: 'string', description: 'string', ...STAMPS });
export const ROLE_ACCESS_SCOPE_COLUMNS = viewColumns({ id: 'number', role_id: 'number', access_scope_id: 'number', ...STAMPS });
export const USER_ROLE_COLUMNS = viewColumns({ id: 'number', user_id: 'number', role_id: 'number', ...STAMPS });

const roleView = (q: Q) =>
  q.selectFrom('roles').select(['id', 'slug', sql<string | null>`nullif(name, '')`.as('name'), 'description', 'created_at', 'updated_at']);
const accessScopeView = (q: Q) => q.selectFrom('scopes').select(['id', 'name as slug', 'label as name', 'description', 'created_at', 'updated_at']);
const roleAccessScopeView = (q: Q) => q.selectFrom('role_scopes').select(['id', 'role_id', 'scope_id as access_scope_id', 'created_at', 'updated_at']);
const userRoleView = (q: Q) => q.selectFrom('user_roles').select(['id', 'user_id', 'role_id', 'created_at', 'updated_at']);

export type RoleView = Awaited<ReturnType<ReturnType<typeof roleView>['executeTakeFirstOrThrow']>>;
export type AccessScopeView = Awaited<ReturnType<ReturnType<typeof accessScopeView>['executeTakeFirstOrThrow']>>;
export type RoleAccessScopeView = Awaited<ReturnType<ReturnType<typeof roleAccessScopeView>['executeTakeFirstOrThrow']>>;
export type UserRoleView = Awaited<ReturnType<ReturnType<typeof userRoleView>['executeTakeFirstOrThrow']>>;

/** Roles, access scopes, the scopes of each role and global roles (Feathers RBAC records). */
export function roleRecordsRepo(db: Kysely<Database>) {
  return {
    roles: tableRepo(db, 'roles', roleView, ROLE_COLUMNS),
    accessScopes: tableRepo(db, 'scopes', accessScopeView, ACCESS_SCOPE_COLUMNS),
    roleAccessScopes: tableRepo(db, 'role_scopes', roleAccessScopeView, ROLE_ACCESS_SCOPE_COLUMNS),
    userRoles: tableRepo(db, 'user_roles', userRoleView, USER_ROLE_COLUMNS),
  };
}
