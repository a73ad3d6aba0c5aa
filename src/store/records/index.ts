import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { roleRecordsRepo } from './roles.js';
import { groupRecordsRepo } from './groups.js';
import { providerRecordsRepo } from './providers.js';

export { exists, userExists, isUniqueViolation, isForeignKeyViolation, type Page, type Q, type TableRepo } from './common.js';
export type { RoleView, AccessScopeView, RoleAccessScopeView, UserRoleView } from './roles.js';
export type { GroupTypeView, GroupView, UserGroupRoleView, GroupGroupRoleView } from './groups.js';
export type { OAuthProviderView, UserOAuthProviderView } from './providers.js';

/** The records the Feathers services show (RBAC and OAuth providers), one TableRepo per kind. */
export function recordsRepo(db: Kysely<Database>) {
  return { ...roleRecordsRepo(db), ...groupRecordsRepo(db), ...providerRecordsRepo(db) };
}
export type RecordsRepo = ReturnType<typeof recordsRepo>;
