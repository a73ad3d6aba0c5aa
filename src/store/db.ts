import { closeSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type { Database } from './schema.js';
import { makeDir } from '../util/dirs.js';

export type DbKind = 'sqlite' | 'postgres';
/** What pg.Pool tells of itself: connections open, idle ones, and queries waiting for one. */
export interface PoolCounts {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
  readonly options: { readonly max?: number };
}
export interface Db {
  kind: DbKind;
  db: Kysely<Database>;
  /** Changes when another connection (another process) commits; absent where there is no cheap probe. */
  externalVersion?: () => number;
  /** PostgreSQL's connection pool, for its counts (metrics); SQLite has one connection and no pool. */
  pool?: PoolCounts;
  close(): Promise<void>;
}

/** Opens `sqlite:<path>` (WAL) or `postgres://…`. */
export async function openDb(url: string): Promise<Db> {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const pg = (await import('pg')).default;
    // int8 holds our epoch-millisecond timestamps; they fit a JS number exactly.
    pg.types.setTypeParser(20, (v: string) => Number(v));
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    // An idle connection the server ends (restart, failover, pg_terminate_backend) emits 'error';
    // unhandled, that would crash the process. The pool drops it and opens a new one when needed.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { kind: 'postgres', db, pool, close: () => db.destroy() };
  }
  if (!url.startsWith('sqlite:')) throw new Error(`DATABASE_URL must start with sqlite: or postgres:// (got ${url.split(':')[0]}:)`);
  const path = url.slice('sqlite:'.length);
  const Sqlite = (await import('better-sqlite3')).default;
  if (path !== ':memory:' && !path.startsWith('file:')) ownerOnlyFile(path);
  const sqlite = new Sqlite(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // LIKE matches case as PostgreSQL's does (SQLite's ignores ASCII case), so a filter finds the same rows on both.
  sqlite.pragma('case_sensitive_like = ON');
  // Kysely prepares every statement anew (~20 µs each); one connection runs them synchronously,
  // so a prepared statement can be reused for every query with the same SQL text.
  const cache = new Map<string, ReturnType<typeof sqlite.prepare>>();
  const prepare = sqlite.prepare.bind(sqlite);
  const cached = Object.assign(Object.create(sqlite) as typeof sqlite, {
    prepare(source: string) {
      let stmt = cache.get(source);
      if (!stmt) {
        if (cache.size >= 500) cache.clear();
        stmt = prepare(source);
        cache.set(source, stmt);
      }
      return stmt;
    },
    close: () => sqlite.close(),
  });
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cached }) });
  const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
  return { kind: 'sqlite', db, externalVersion: () => dataVersion.get() as number, close: () => db.destroy() };
}

/**
 * Creates the database file (and any missing directory) readable by its owner only, before
 * SQLite opens it: SQLite gives the -wal and -shm files the mode of the database file, and would
 * otherwise create all three world-readable (0644). An existing file keeps its mode.
 */
function ownerOnlyFile(path: string): void {
  makeDir(dirname(resolve(path)), 0o700);
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}
