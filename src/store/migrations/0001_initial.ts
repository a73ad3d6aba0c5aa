import { sql, type Migration } from 'kysely';
import type { Db } from '../db.js';
import { autoId, type K } from './helpers.js';

/** The tables every dialect shares: accounts, RBAC, clients, sessions, codes, audit, kv. */
export function initial(kind: Db['kind']): Migration {
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
