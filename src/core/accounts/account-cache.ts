import type { Generation } from '../../store/generation.js';
import type { UserRow } from '../../store/users.js';

/** Bound on what other nodes' writes can leave stale where the store cannot see them (PostgreSQL). */
export const ACCOUNT_MAX_AGE_MS = 1000;

/**
 * Live accounts by id, for reads that show an account (Feathers `users.get`, on REST and on the
 * socket): without it each such call costs a database read, more than everything else it does.
 * Any write to a users row moves `rows` (store/users.ts), which empties the cache at the next
 * read; so this process never shows a stale row. Writes by other processes are seen through the
 * same number on SQLite; on PostgreSQL an entry lives at most `maxAgeMs`.
 *
 * Not for deciding access: tokens, revocations and blocks are checked elsewhere, on every call.
 */
export function accountCache(d: { byId: (id: number) => Promise<UserRow | undefined>; rows: Generation; maxAgeMs: number; max?: number }) {
  const max = d.max ?? 10_000;
  const entries = new Map<number, { row: UserRow; at: number }>();
  let seen = d.rows.current();
  return {
    async byId(id: number): Promise<UserRow | undefined> {
      const gen = d.rows.current();
      if (gen !== seen) {
        entries.clear();
        seen = gen;
      }
      const now = Date.now();
      const hit = entries.get(id);
      if (hit && now - hit.at < d.maxAgeMs) return hit.row;
      const row = await d.byId(id);
      // A write during the read moved the number: what was read may predate it.
      if (row === undefined || d.rows.current() !== gen) return row;
      if (entries.size >= max) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      entries.set(id, { row, at: now });
      return row;
    },
  };
}
export type AccountCache = ReturnType<typeof accountCache>;
