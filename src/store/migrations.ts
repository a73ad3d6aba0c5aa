import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './db.js';
import { accessEvents } from './migrations/0004_access_events.js';

type K = Kysely<unknown>;

/** Auto-increment ids differ by engine; everything else is portable. */
function autoId(kind: Db['kind']) {
  const auto = kind === 'sqlite';
  return {
    id: kind === 'postgres' ? 'serial' : 'integer',
    pk: <T extends { primaryKey(): T; autoIncrement(): T }>(c: T) => (auto ? c.primaryKey().autoIncrement() : c.primaryKey()),
  } as const;
}

function initial(kind: Db['kind']): Migration {
  const { id, pk } = autoId(kind);
  return {
    async up(db: K) {
      await db.schema
        .createTable('groups')
        .addColumn('id', id, pk)
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.unique())
        .addColumn('locale', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('users')
        .addColumn('id', id, pk)
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('username_norm', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('email_norm', 'text')
        .addColumn('phone', 'text')
        .addColumn('name', 'text')
        .addColumn('first_name', 'text')
        .addColumn('middle_name', 'text')
        .addColumn('last_name', 'text')
        .addColumn('bio', 'text')
        .addColumn('gender', 'text')
        .addColumn('dob', 'text')
        .addColumn('locale', 'text')
        .addColumn('status', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('default_group_id', 'integer', (c) => c.references('groups.id'))
        .addColumn('email_verified_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('last_login_at', 'bigint')
        .addColumn('deleted_at', 'bigint')
        .execute();
      // Unique among live accounts only: a deleted account frees its username and email.
      for (const col of ['username_norm', 'email_norm', 'phone']) {
        await db.schema
          .createIndex(`users_${col}_live`)
          .on('users')
          .column(col)
          .unique()
          .where(sql.ref('deleted_at'), 'is', null)
          .execute();
      }
      await db.schema
        .createTable('credentials')
        .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('password_hash', 'text')
        .addColumn('password_changed_at', 'bigint')
        .execute();
      await db.schema
        .createTable('scopes')
        .addColumn('id', id, pk)
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('description', 'text')
        .execute();
      await db.schema
        .createTable('roles')
        .addColumn('id', id, pk)
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role_type', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema
        .createTable('role_scopes')
        .addColumn('role_id', 'integer', (c) => c.notNull().references('roles.id').onDelete('cascade'))
        .addColumn('scope_id', 'integer', (c) => c.notNull().references('scopes.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('role_scopes_pk', ['role_id', 'scope_id'])
        .execute();
      await db.schema
        .createTable('user_groups')
        .addColumn('id', id, pk)
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('group_id', 'integer', (c) => c.notNull().references('groups.id').onDelete('cascade'))
        .addColumn('locale', 'text')
        .addUniqueConstraint('user_groups_user_group', ['user_id', 'group_id'])
        .execute();
      await db.schema
        .createTable('user_group_roles')
        .addColumn('user_group_id', 'integer', (c) => c.notNull().references('user_groups.id').onDelete('cascade'))
        .addColumn('role_id', 'integer', (c) => c.notNull().references('roles.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('user_group_roles_pk', ['user_group_id', 'role_id'])
        .execute();
      await db.schema
        .createTable('user_scopes')
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('scope_id', 'integer', (c) => c.notNull().references('scopes.id').onDelete('cascade'))
        .addColumn('allowed', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('user_scopes_pk', ['user_id', 'scope_id'])
        .execute();
      await db.schema
        .createTable('clients')
        .addColumn('id', id, pk)
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('client_secret_enc', 'text', (c) => c.notNull())
        .addColumn('secret_enc', 'text', (c) => c.notNull())
        .addColumn('redirect_url', 'text')
        .addColumn('access_token_expiration', 'integer', (c) => c.notNull())
        .addColumn('refresh_token_expiration', 'integer', (c) => c.notNull())
        .addColumn('auth_code_expiration', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('modified_at', 'bigint', (c) => c.notNull())
        .addColumn('deleted_at', 'bigint')
        .addColumn('deleted_by', 'text')
        .execute();
      await db.schema
        .createIndex('clients_client_id_live')
        .on('clients')
        .column('client_id')
        .unique()
        .where(sql.ref('deleted_at'), 'is', null)
        .execute();
      await db.schema
        .createTable('user_clients')
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('client_id', 'integer', (c) => c.notNull().references('clients.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('user_clients_pk', ['user_id', 'client_id'])
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id', id, pk)
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('client_id', 'integer')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull().defaultTo('password'))
        .addColumn('device_id', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('ip', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
      await db.schema
        .createTable('refresh_tokens')
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('session_id', 'integer', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
        .addColumn('access_sig', 'text')
        .addColumn('access_exp', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema.createIndex('refresh_tokens_session').on('refresh_tokens').column('session_id').execute();
      await db.schema
        .createTable('codes')
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('subject', 'text')
        .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('cascade'))
        .addColumn('client_id', 'integer')
        .addColumn('data', 'text')
        .addColumn('secret_enc', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('consumed_at', 'bigint')
        .execute();
      await db.schema.createIndex('codes_purpose_subject').on('codes').columns(['purpose', 'subject']).execute();
      await db.schema
        .createTable('audit')
        .addColumn('id', id, pk)
        .addColumn('user_id', 'integer')
        .addColumn('module', 'text', (c) => c.notNull())
        .addColumn('level', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('data', 'text')
        .addColumn('ip', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_user_time').on('audit').columns(['user_id', 'created_at']).execute();
      await db.schema
        .createTable('kv')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text')
        .addColumn('n', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('kv_expires').on('kv').column('expires_at').execute();
    },
  };
}

/** The simple dialect: TOTP, OAuth2 clients and tokens, external identities. */
function simpleDialect(kind: Db['kind']): Migration {
  const { id, pk } = autoId(kind);
  return {
    async up(db: K) {
      await db.schema.alterTable('credentials').addColumn('totp_enc', 'text').execute();
      for (const col of ['name', 'author', 'author_url', 'redirect_uris', 'scopes', 'oauth_settings', 'oidc_alg', 'oidc_key_enc', 'source']) {
        await db.schema.alterTable('clients').addColumn(col, 'text').execute();
      }
      await db.schema.alterTable('clients').addColumn('public_client', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await oauthTokensTable(db, 'oauth_tokens', kind, { userRequired: true });
      await oauthTokensIndexes(db);
      await db.schema
        .createTable('identities')
        .addColumn('id', id, pk)
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('identities_provider_subject', ['provider', 'subject'])
        .execute();
      await db.schema.createIndex('identities_user').on('identities').column('user_id').execute();
      await db.schema.createIndex('codes_user_purpose').on('codes').columns(['user_id', 'purpose']).execute();
    },
  };
}

/**
 * `oauth_tokens.user_id` becomes nullable: `client_credentials` tokens belong to a client, not an
 * account. PostgreSQL drops the constraint; SQLite cannot alter a column, so the table is rebuilt
 * with the same columns, constraints and indexes, and its rows copied over.
 */
function clientTokens(kind: Db['kind']): Migration {
  return {
    async up(db: K) {
      if (kind === 'postgres') {
        await sql`alter table oauth_tokens alter column user_id drop not null`.execute(db);
        return;
      }
      // Kysely runs SQLite migrations outside a transaction; the rebuild is all or nothing.
      await sql`begin`.execute(db);
      try {
        await rebuild(db);
        await sql`commit`.execute(db);
      } catch (e) {
        await sql`rollback`.execute(db);
        throw e;
      }
    },
  };
}

/** `oauth_tokens` as 0002 made it; 0003 rebuilds it on SQLite with `user_id` nullable. */
async function oauthTokensTable(db: K, name: string, kind: Db['kind'], opts: { userRequired: boolean }): Promise<void> {
  const { id, pk } = autoId(kind);
  await db.schema
    .createTable(name)
    .addColumn('id', id, pk)
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .addColumn('token_enc', 'text')
    .addColumn('short', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('client_id', 'integer', (c) => c.notNull().references('clients.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => (opts.userRequired ? c.notNull() : c).references('users.id').onDelete('cascade'))
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('data', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .execute();
}
async function oauthTokensIndexes(db: K): Promise<void> {
  await db.schema.createIndex('oauth_tokens_client_user').on('oauth_tokens').columns(['client_id', 'user_id']).execute();
  await db.schema.createIndex('oauth_tokens_user').on('oauth_tokens').columns(['user_id', 'expires_at']).execute();
}

/** SQLite: oauth_tokens again, with a nullable user_id. */
async function rebuild(db: K): Promise<void> {
  await oauthTokensTable(db, 'oauth_tokens_new', 'sqlite', { userRequired: false });
  const cols = sql.raw('id, hash, token_enc, short, type, client_id, user_id, scope, data, created_at, expires_at, deleted_at');
  await sql`insert into oauth_tokens_new (${cols}) select ${cols} from oauth_tokens`.execute(db);
  await db.schema.dropTable('oauth_tokens').execute();
  await db.schema.alterTable('oauth_tokens_new').renameTo('oauth_tokens').execute();
  await oauthTokensIndexes(db);
}

/** Applies every pending migration (or those up to `until`, for tests); returns the names applied. */
export async function migrate(store: Db, until?: string): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => ({ '0001_initial': initial(store.kind), '0002_simple_dialect': simpleDialect(store.kind), '0003_client_tokens': clientTokens(store.kind), '0004_access_events': accessEvents(store.kind) }) };
  const migrator = new Migrator({ db: store.db, provider });
  const { error, results } = await (until ? migrator.migrateTo(until) : migrator.migrateToLatest());
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
