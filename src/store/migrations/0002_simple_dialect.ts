import type { Migration } from 'kysely';
import type { Db } from '../db.js';
import { autoId, oauthTokensIndexes, oauthTokensTable, type K } from './helpers.js';

/** The simple dialect: TOTP, OAuth2 clients and tokens, external identities. */
export function simpleDialect(kind: Db['kind']): Migration {
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
