import { sql, type Migration } from 'kysely';
import type { Db } from '../db.js';
import { autoId, type K } from './helpers.js';

/**
 * What the Feathers dialect's thirteen services need of the one schema (DESIGN.md "Data"):
 *
 * - every record a service shows has an integer id and `created_at`/`updated_at`, so the two
 *   link tables without one (`role_scopes`, `user_group_roles`) are rebuilt with an id;
 * - global roles (`user_roles`), group types, group-to-group roles and OAuth providers are new;
 * - users get a picture and a phone verification time; roles, scopes and groups a description;
 *   a scope a display name (`label`: its `name` is the ARC permission, the Feathers `slug`);
 * - sessions get a title, the signature hash of a personal access token, and the parsed user
 *   agent; the audit log gets the Feathers `events` columns.
 *
 * Existing rows keep working in every dialect: the new columns are nullable or filled here.
 */
export function feathers(kind: Db['kind']): Migration {
  const { id, pk } = autoId(kind);
  return {
    async up(db: K) {
      const now = Date.now();
      // Kysely runs SQLite migrations outside a transaction; this one is all or nothing.
      if (kind === 'sqlite') await sql`begin`.execute(db);
      try {
        await db.schema.alterTable('users').addColumn('picture', 'text').execute();
        await db.schema.alterTable('users').addColumn('phone_verified_at', 'bigint').execute();

        for (const table of ['roles', 'scopes', 'groups'] as const) {
          // scopes has had one since 0001.
          if (table !== 'scopes') await db.schema.alterTable(table).addColumn('description', 'text').execute();
          if (table !== 'groups') await db.schema.alterTable(table).addColumn('created_at', 'bigint', (c) => c.notNull().defaultTo(now)).execute();
          await db.schema.alterTable(table).addColumn('updated_at', 'bigint', (c) => c.notNull().defaultTo(now)).execute();
        }
        await db.schema.alterTable('scopes').addColumn('label', 'text').execute();
        await db.schema.alterTable('identities').addColumn('updated_at', 'bigint').execute();
        await sql`update identities set updated_at = created_at`.execute(db);

        await db.schema
          .createTable('role_scopes_new')
          .addColumn('id', id, pk)
          .addColumn('role_id', 'integer', (c) => c.notNull().references('roles.id').onDelete('cascade'))
          .addColumn('scope_id', 'integer', (c) => c.notNull().references('scopes.id').onDelete('cascade'))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint('role_scopes_role_scope', ['role_id', 'scope_id'])
          .execute();
        await sql`insert into role_scopes_new (role_id, scope_id, created_at, updated_at) select role_id, scope_id, ${sql.lit(now)}, ${sql.lit(now)} from role_scopes order by role_id, scope_id`.execute(db);
        await db.schema.dropTable('role_scopes').execute();
        await db.schema.alterTable('role_scopes_new').renameTo('role_scopes').execute();

        await db.schema
          .createTable('user_group_roles_new')
          .addColumn('id', id, pk)
          .addColumn('user_group_id', 'integer', (c) => c.notNull().references('user_groups.id').onDelete('cascade'))
          .addColumn('role_id', 'integer', (c) => c.notNull().references('roles.id').onDelete('cascade'))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint('user_group_roles_member_role', ['user_group_id', 'role_id'])
          .execute();
        await sql`insert into user_group_roles_new (user_group_id, role_id, created_at, updated_at) select user_group_id, role_id, ${sql.lit(now)}, ${sql.lit(now)} from user_group_roles order by user_group_id, role_id`.execute(db);
        await db.schema.dropTable('user_group_roles').execute();
        await db.schema.alterTable('user_group_roles_new').renameTo('user_group_roles').execute();
        if (kind === 'postgres') {
          // The sequences keep their first names; rename them so a later rebuild finds none in the way.
          await sql`alter sequence role_scopes_new_id_seq rename to role_scopes_id_seq`.execute(db);
          await sql`alter sequence user_group_roles_new_id_seq rename to user_group_roles_id_seq`.execute(db);
        }

        await db.schema
          .createTable('user_roles')
          .addColumn('id', id, pk)
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('role_id', 'integer', (c) => c.notNull().references('roles.id').onDelete('cascade'))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint('user_roles_user_role', ['user_id', 'role_id'])
          .execute();

        await db.schema
          .createTable('group_types')
          .addColumn('id', id, pk)
          .addColumn('slug', 'text', (c) => c.notNull().unique())
          .addColumn('name', 'text')
          .addColumn('description', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        // groups.type stays the slug (ARC reads it); the types in use become rows.
        await sql`insert into group_types (slug, name, created_at, updated_at) select distinct type, type, ${sql.lit(now)}, ${sql.lit(now)} from groups`.execute(db);
        await sql`update groups set updated_at = created_at`.execute(db);

        await db.schema
          .createTable('group_group_roles')
          .addColumn('id', id, pk)
          .addColumn('parent_group_id', 'integer', (c) => c.references('groups.id').onDelete('cascade'))
          .addColumn('child_group_id', 'integer', (c) => c.references('groups.id').onDelete('cascade'))
          .addColumn('role_id', 'integer', (c) => c.notNull().references('roles.id').onDelete('cascade'))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('oauth_providers')
          .addColumn('id', id, pk)
          .addColumn('slug', 'text', (c) => c.notNull().unique())
          .addColumn('name', 'text')
          .addColumn('key', 'text')
          // Encrypted at rest like client secrets; never shown by any API.
          .addColumn('secret_enc', 'text')
          .addColumn('scope', 'text')
          .addColumn('nonce', 'integer')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema.alterTable('sessions').addColumn('title', 'text').execute();
        // sha256 of a personal access token's signature: what revoking it puts on the revocation list.
        await db.schema.alterTable('sessions').addColumn('token_sig', 'text').execute();
        // The parsed user agent (ua-parser-js) as JSON, shown by Feathers auth_sessions.
        await db.schema.alterTable('sessions').addColumn('client_info', 'text').execute();
        await db.schema.createIndex('sessions_token_sig').on('sessions').column('token_sig').execute();
        await db.schema.alterTable('sessions').addColumn('updated_at', 'bigint').execute();
        await sql`update sessions set updated_at = coalesce(revoked_at, last_used_at, created_at)`.execute(db);

        // Feathers signs out by access token (DELETE /authentication): its session is found by it.
        await db.schema.createIndex('refresh_tokens_access_sig').on('refresh_tokens').column('access_sig').execute();

        await db.schema.alterTable('audit').addColumn('source_table', 'text').execute();
        await db.schema.alterTable('audit').addColumn('event', 'text').execute();
        await db.schema.alterTable('audit').addColumn('table_id', 'integer').execute();
        await db.schema.alterTable('audit').addColumn('previous_user_id', 'integer').execute();

        if (kind === 'sqlite') await sql`commit`.execute(db);
      } catch (e) {
        if (kind === 'sqlite') await sql`rollback`.execute(db);
        throw e;
      }
    },
  };
}
