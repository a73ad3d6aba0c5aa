import { sql, type Migration } from 'kysely';
import type { Db } from '../db.js';
import { oauthTokensIndexes, oauthTokensTable, type K } from './helpers.js';

/**
 * `oauth_tokens.user_id` becomes nullable: `client_credentials` tokens belong to a client, not an
 * account. PostgreSQL drops the constraint; SQLite cannot alter a column, so the table is rebuilt
 * with the same columns, constraints and indexes, and its rows copied over.
 */
export function clientTokens(kind: Db['kind']): Migration {
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

/** SQLite: oauth_tokens again, with a nullable user_id. */
async function rebuild(db: K): Promise<void> {
  await oauthTokensTable(db, 'oauth_tokens_new', 'sqlite', { userRequired: false });
  const cols = sql.raw('id, hash, token_enc, short, type, client_id, user_id, scope, data, created_at, expires_at, deleted_at');
  await sql`insert into oauth_tokens_new (${cols}) select ${cols} from oauth_tokens`.execute(db);
  await db.schema.dropTable('oauth_tokens').execute();
  await db.schema.alterTable('oauth_tokens_new').renameTo('oauth_tokens').execute();
  await oauthTokensIndexes(db);
}
