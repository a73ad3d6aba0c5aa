import type { Generated } from 'kysely';

/** Row types of every table. Timestamps are epoch milliseconds in both SQLite and PostgreSQL. */
export interface UsersTable {
  id: Generated<number>;
  uuid: string;
  username: string;
  username_norm: string;
  email: string | null;
  email_norm: string | null;
  phone: string | null;
  name: string | null;
  first_name: string | null;
  middle_name: string | null;
  last_name: string | null;
  bio: string | null;
  gender: string | null;
  dob: string | null;
  locale: string | null;
  status: number;
  default_group_id: number | null;
  email_verified_at: number | null;
  created_at: number;
  updated_at: number;
  last_login_at: number | null;
  deleted_at: number | null;
  /** Sessions that are not stored (simple's cookies) issued before this are dead. */
  sessions_not_before: Generated<number | null>;
  /** 0005 (Feathers). */
  picture: Generated<string | null>;
  phone_verified_at: Generated<number | null>;
}

export interface CredentialsTable {
  user_id: number;
  password_hash: string | null;
  password_changed_at: number | null;
  /** Sealed otpauth URL of an active TOTP. */
  totp_enc: Generated<string | null>;
}

export interface GroupsTable {
  id: Generated<number>;
  uuid: string;
  type: string;
  name: string;
  key: string | null;
  locale: string | null;
  created_at: number;
  description: Generated<string | null>;
  updated_at: number;
}

export interface ScopesTable {
  id: Generated<number>;
  name: string;
  description: string | null;
  /** The Feathers `name` (display); `name` is the ARC permission and the Feathers `slug`. */
  label: Generated<string | null>;
  created_at: number;
  updated_at: number;
}

export interface RolesTable {
  id: Generated<number>;
  slug: string;
  name: string;
  role_type: number;
  description: Generated<string | null>;
  created_at: number;
  updated_at: number;
}

export interface RoleScopesTable {
  id: Generated<number>;
  role_id: number;
  scope_id: number;
  created_at: number;
  updated_at: number;
}

export interface UserGroupsTable {
  id: Generated<number>;
  uuid: string;
  user_id: number;
  group_id: number;
  locale: string | null;
}

export interface UserGroupRolesTable {
  id: Generated<number>;
  user_group_id: number;
  role_id: number;
  created_at: number;
  updated_at: number;
}

export interface UserScopesTable {
  user_id: number;
  scope_id: number;
  allowed: number;
}

export interface ClientsTable {
  id: Generated<number>;
  client_id: string;
  client_secret_enc: string;
  secret_enc: string;
  redirect_url: string | null;
  access_token_expiration: number;
  refresh_token_expiration: number;
  auth_code_expiration: number;
  created_at: number;
  modified_at: number;
  deleted_at: number | null;
  deleted_by: string | null;
  // OAuth2 (simple dialect) clients; null for ARC-only clients.
  name: Generated<string | null>;
  author: Generated<string | null>;
  author_url: Generated<string | null>;
  /** JSON array of exact redirect URIs. */
  redirect_uris: Generated<string | null>;
  /** Space-separated grantable scopes; non-null marks an OAuth2 client. */
  scopes: Generated<string | null>;
  /** JSON of per-client overrides of the oauth2 settings. */
  oauth_settings: Generated<string | null>;
  oidc_alg: Generated<string | null>;
  oidc_key_enc: Generated<string | null>;
  /** 'config' for clients defined in the configuration file, else null. */
  source: Generated<string | null>;
  public_client: Generated<number>;
}

export interface UserClientsTable {
  user_id: number;
  client_id: number;
}

export interface SessionsTable {
  id: Generated<number>;
  uuid: string;
  user_id: number;
  client_id: number | null;
  kind: string;
  /** How the session was started: 'password', 'otp', … (some changes need a fresh password). */
  source: string;
  device_id: string | null;
  user_agent: string | null;
  ip: string | null;
  created_at: number;
  last_used_at: number;
  expires_at: number;
  revoked_at: number | null;
  /** 0005: a personal access token's title and signature hash, the parsed user agent (JSON). */
  title: Generated<string | null>;
  token_sig: Generated<string | null>;
  client_info: Generated<string | null>;
  updated_at: Generated<number | null>;
  /** 0006: the provider's tokens of a federated sign-in, sealed (core/federation). */
  upstream_enc: Generated<string | null>;
}

export interface RefreshTokensTable {
  hash: string;
  session_id: number;
  access_sig: string | null;
  access_exp: number | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface CodesTable {
  hash: string;
  purpose: string;
  subject: string | null;
  user_id: number | null;
  client_id: number | null;
  data: string | null;
  secret_enc: string | null;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

export interface AuditTable {
  id: Generated<number>;
  user_id: number | null;
  module: string;
  level: string;
  message: string;
  data: string | null;
  ip: string | null;
  created_at: number;
  /** 0005: the Feathers `events` columns (null on rows written before, read as module/custom). */
  source_table: Generated<string | null>;
  event: Generated<string | null>;
  table_id: Generated<number | null>;
  previous_user_id: Generated<number | null>;
}

export interface OauthTokensTable {
  id: Generated<number>;
  hash: string;
  /** Sealed copy, kept so a still-valid token can be handed out again (reusetoken). */
  token_enc: string | null;
  short: string;
  type: string;
  client_id: number;
  /** Null for a `client_credentials` token (the client's own, no account). */
  user_id: number | null;
  scope: string;
  data: string | null;
  created_at: number;
  expires_at: number;
  deleted_at: number | null;
}

export interface IdentitiesTable {
  id: Generated<number>;
  user_id: number;
  provider: string;
  subject: string;
  created_at: number;
  updated_at: Generated<number | null>;
}

export interface KvTable {
  key: string;
  value: string | null;
  n: number;
  expires_at: number;
}

/** The revocation feed every node reads (migration 0004). */
export interface AccessEventsTable {
  id: Generated<number>;
  kind: 'revoke' | 'account';
  /** A revoked token's key, or the account's uuid. */
  key: string | null;
  user_id: number | null;
  until: number;
  created_at: number;
}

export interface UserRolesTable {
  id: Generated<number>;
  user_id: number;
  role_id: number;
  created_at: number;
  updated_at: number;
}

export interface GroupTypesTable {
  id: Generated<number>;
  slug: string;
  name: string | null;
  description: string | null;
  created_at: number;
  updated_at: number;
}

export interface GroupGroupRolesTable {
  id: Generated<number>;
  parent_group_id: number | null;
  child_group_id: number | null;
  role_id: number;
  created_at: number;
  updated_at: number;
}

export interface OauthProvidersTable {
  id: Generated<number>;
  slug: string;
  name: string | null;
  key: string | null;
  secret_enc: string | null;
  scope: string | null;
  nonce: number | null;
  created_at: number;
  updated_at: number;
}

export interface Database {
  user_roles: UserRolesTable;
  group_types: GroupTypesTable;
  group_group_roles: GroupGroupRolesTable;
  oauth_providers: OauthProvidersTable;
  users: UsersTable;
  credentials: CredentialsTable;
  groups: GroupsTable;
  scopes: ScopesTable;
  roles: RolesTable;
  role_scopes: RoleScopesTable;
  user_groups: UserGroupsTable;
  user_group_roles: UserGroupRolesTable;
  user_scopes: UserScopesTable;
  clients: ClientsTable;
  user_clients: UserClientsTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  codes: CodesTable;
  audit: AuditTable;
  kv: KvTable;
  access_events: AccessEventsTable;
  oauth_tokens: OauthTokensTable;
  identities: IdentitiesTable;
}
