import type { Db } from './db.js';

/** The connection pool's counts at one moment (PostgreSQL); metrics read them on each scrape. */
export interface PoolStats {
  /** Connections open, busy or idle. */
  total: number;
  idle: number;
  /** Queries waiting for a connection: above 0 for long, the pool (10) is too small or queries too slow. */
  waiting: number;
  /** The pool's size (pg's default, 10, when not set). */
  max: number;
}

/** What operators watch of the store itself; SQLite has no pool, so `pool` is undefined there. */
export function storeStats(conn: Db) {
  const pool = conn.pool;
  return {
    pool: pool ? (): PoolStats => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max ?? 10 }) : undefined,
  };
}
export type StoreStats = ReturnType<typeof storeStats>;
