import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from '../db.js';
import { initial } from './0001_initial.js';
import { simpleDialect } from './0002_simple_dialect.js';
import { clientTokens } from './0003_client_tokens.js';
import { accessEvents } from './0004_access_events.js';
import { feathers } from './0005_feathers.js';
import { federation } from './0006_federation.js';

/**
 * Every migration by the name recorded in `kysely_migration`. The names are the files' names and
 * must never change: a renamed key would run again on an existing database.
 */
function migrations(kind: Db['kind']): Record<string, Migration> {
  return {
    '0001_initial': initial(kind),
    '0002_simple_dialect': simpleDialect(kind),
    '0003_client_tokens': clientTokens(kind),
    '0004_access_events': accessEvents(kind),
    '0005_feathers': feathers(kind),
    '0006_federation': federation(kind),
  };
}

/** Applies every pending migration (or those up to `until`, for tests); returns the names applied. */
export async function migrate(store: Db, until?: string): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(store.kind) };
  const migrator = new Migrator({ db: store.db, provider });
  const { error, results } = await (until ? migrator.migrateTo(until) : migrator.migrateToLatest());
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
