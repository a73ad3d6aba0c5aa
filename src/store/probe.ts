import { sql } from 'kysely';
import { openDb } from './db.js';

/**
 * Opens the database, runs one query and closes it again: the start-up check that tells "the
 * database cannot be reached or opened" apart from anything that fails later. Rejects with the
 * driver's error (pg's `code`, better-sqlite3's `SqliteError`); `timeoutMs` bounds a server that
 * never answers (a dropped packet, not a closed port).
 */
export async function probeDatabase(url: string, timeoutMs = 15_000): Promise<void> {
  const conn = await openDb(url);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })), timeoutMs);
    timer.unref();
  });
  try {
    await Promise.race([sql`select 1`.execute(conn.db), timeout]);
  } catch (e) {
    // Not awaited: a connection still being attempted would hold the caller, which is exiting.
    void conn.close().catch(() => undefined);
    throw e;
  } finally {
    clearTimeout(timer);
  }
  await conn.close();
}
