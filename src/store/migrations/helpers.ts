import type { Kysely } from 'kysely';
import type { Db } from '../db.js';

/** Migrations see the schema as it was when they were written, not today's `Database` type. */
export type K = Kysely<unknown>;

/** Auto-increment ids differ by engine; everything else is portable. */
export function autoId(kind: Db['kind']) {
  const auto = kind === 'sqlite';
  return {
    id: kind === 'postgres' ? 'serial' : 'integer',
    pk: <T extends { primaryKey(): T; autoIncrement(): T }>(c: T) => (auto ? c.primaryKey().autoIncrement() : c.primaryKey()),
  } as const;
}

/** `oauth_tokens` as 0002 made it; 0003 rebuilds it on SQLite with `user_id` nullable. */
export async function oauthTokensTable(db: K, name: string, kind: Db['kind'], opts: { userRequired: boolean }): Promise<void> {
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

/** The indexes 0002 made on `oauth_tokens`; 0003 makes them again on the rebuilt table. */
export async function oauthTokensIndexes(db: K): Promise<void> {
  await db.schema.createIndex('oauth_tokens_client_user').on('oauth_tokens').columns(['client_id', 'user_id']).execute();
  await db.schema.createIndex('oauth_tokens_user').on('oauth_tokens').columns(['user_id', 'expires_at']).execute();
}
