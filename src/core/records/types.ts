import type { Filter } from '../filter.js';

/**
 * The records the Feathers services show, with the Feathers spec's field names: integer ids,
 * timestamps in epoch milliseconds. Each kind is read and written through `Records`.
 */

export interface Page<T> {
  total: number;
  data: T[];
}

/**
 * CRUD over one kind of record. Bad input fails with CoreError 'invalid_input' (its `field` says
 * which), a slug or pair that exists already with 'taken', a record still in use with 'conflict';
 * a bad filter throws FilterError. An unknown id is `undefined`, never an error.
 */
export interface Records<T, In> {
  /** filter.where uses record field names; filter.order like ['name ASC','id DESC']; filter.limit 0 → data [] with the real total. */
  find(filter: Filter): Promise<Page<T>>;
  get(id: number): Promise<T | undefined>;
  create(data: In): Promise<T>;
  /** Replaces the record: absent optional fields become null (except write-only ones, which stay). */
  update(id: number, data: In): Promise<T | undefined>;
  patch(id: number, data: Partial<In>): Promise<T | undefined>;
  /** Returns the removed record. */
  remove(id: number): Promise<T | undefined>;
}

interface Stamped {
  id: number;
  created_at: number;
  updated_at: number;
}

/** A described, named thing: roles, access scopes, group types. */
export interface Named extends Stamped {
  slug: string;
  name: string | null;
  description: string | null;
}
export interface NamedInput {
  slug: string;
  name?: string | null;
  description?: string | null;
}

export type Role = Named;
export type RoleInput = NamedInput;
/** slug is the ARC permission the scope stands for. */
export type AccessScope = Named;
export type AccessScopeInput = NamedInput;
export type GroupType = Named;
export type GroupTypeInput = NamedInput;

export interface RoleAccessScope extends Stamped {
  role_id: number;
  access_scope_id: number;
}
export type RoleAccessScopeInput = Omit<RoleAccessScope, keyof Stamped>;

/** A global role (not tied to a group). */
export interface UserRole extends Stamped {
  user_id: number;
  role_id: number;
}
export type UserRoleInput = Omit<UserRole, keyof Stamped>;

export interface Group extends Stamped {
  /** Null only for a group whose type row is missing (written outside Gatehouse). */
  type_id: number | null;
  slug: string | null;
  name: string | null;
  description: string | null;
}
export interface GroupInput {
  type_id: number;
  slug?: string | null;
  name?: string | null;
  description?: string | null;
}

export interface UserGroupRole extends Stamped {
  user_id: number;
  group_id: number;
  role_id: number;
}
export type UserGroupRoleInput = Omit<UserGroupRole, keyof Stamped>;

/** Every member of the parent group holds the role in the child group (claims.ts). */
export interface GroupGroupRole extends Stamped {
  parent_group_id: number | null;
  child_group_id: number | null;
  role_id: number;
}
export interface GroupGroupRoleInput {
  parent_group_id?: number | null;
  child_group_id?: number | null;
  role_id: number;
}

/** An external OAuth provider's settings. Its secret is write-only: no record carries it. */
export interface OAuthProvider extends Stamped {
  slug: string;
  name: string | null;
  key: string | null;
  scope: string | null;
  nonce: boolean | null;
}
export interface OAuthProviderInput {
  slug: string;
  name?: string | null;
  key?: string | null;
  /** Sealed at rest. Absent on update keeps the stored one (no read returns it to send back); null clears it. */
  secret?: string | null;
  scope?: string | null;
  nonce?: boolean | null;
}

/** An account's link to an external provider: slug names the provider, sub is the account there. */
export interface UserOAuthProvider extends Stamped {
  user_id: number;
  slug: string;
  sub: string;
}
export type UserOAuthProviderInput = Omit<UserOAuthProvider, keyof Stamped>;
