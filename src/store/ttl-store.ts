import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import { reusable } from './reusable.js';

/**
 * Short-lived state: revocations, rate-limit counters. SQL-backed here (the embedded default);
 * a Redis implementation of the same interface serves clusters.
 */
export interface TtlStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Adds one and returns the new count; the window starts at the first increment. */
  incr(key: string, ttlMs: number): Promise<{ count: number; expiresAt: number }>;
  /** A live counter's count and the end of its window, without changing it. */
  count(key: string): Promise<{ count: number; expiresAt: number } | undefined>;
  /** `count` of several keys in one read, in the order given. */
  counts(keys: string[]): Promise<({ count: number; expiresAt: number } | undefined)[]>;
  /** Live entries whose key starts with `prefix`. */
  entries(prefix: string): Promise<{ key: string; value: string | null; expiresAt: number }[]>;
  close(): Promise<void>;
}

/** The TTL store in the `kv` table of the main database (the embedded default). */
export function sqlTtlStore(db: Kysely<Database>): TtlStore {
  const now = () => Date.now();
  const sweep = setInterval(() => {
    db.deleteFrom('kv').where('expires_at', '<', now()).execute().catch(() => undefined);
  }, 60_000);
  sweep.unref();
  // Every login counts here and every refresh revokes here: compiled once.
  const q = {
    get: reusable(db, (key: string, t: number) => db.selectFrom('kv').select('value').where('key', '=', key).where('expires_at', '>', t)),
    set: reusable(db, (key: string, value: string, expires_at: number) =>
      db.insertInto('kv').values({ key, value, n: 0, expires_at }).onConflict((oc) => oc.column('key').doUpdateSet({ value, expires_at })),
    ),
    delete: reusable(db, (key: string) => db.deleteFrom('kv').where('key', '=', key)),
    // One statement, so concurrent increments never lose a count; an expired window restarts at 1.
    incr: reusable(db, (key: string, t: number, expires_at: number) =>
      db
        .insertInto('kv')
        .values({ key, value: null, n: 1, expires_at })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            n: sql<number>`case when kv.expires_at <= ${t} then 1 else kv.n + 1 end`,
            expires_at: sql<number>`case when kv.expires_at <= ${t} then ${expires_at} else kv.expires_at end`,
          }),
        )
        .returning(['n', 'expires_at']),
    ),
    count: reusable(db, (key: string, t: number) => db.selectFrom('kv').select(['n', 'expires_at']).where('key', '=', key).where('expires_at', '>', t)),
    // Four keys a read (unused ones are '', which no entry has): a check's counters in one round trip.
    counts: reusable(db, (a: string, b: string, c: string, d: string, t: number) =>
      db.selectFrom('kv').select(['key', 'n', 'expires_at']).where('key', 'in', [a, b, c, d]).where('expires_at', '>', t),
    ),
  };
  return {
    async get(key) {
      const row = (await q.get(key, now())).rows[0];
      return row?.value ?? undefined;
    },
    async set(key, value, ttlMs) {
      await q.set(key, value, now() + ttlMs);
    },
    async delete(key) {
      await q.delete(key);
    },
    async incr(key, ttlMs) {
      const t = now();
      const row = (await q.incr(key, t, t + ttlMs)).rows[0];
      if (!row) throw new Error('kv increment returned no row');
      return { count: Number(row.n), expiresAt: Number(row.expires_at) };
    },
    async count(key) {
      const row = (await q.count(key, now())).rows[0];
      return row ? { count: Number(row.n), expiresAt: Number(row.expires_at) } : undefined;
    },
    async counts(keys) {
      const t = now();
      const found = new Map<string, { count: number; expiresAt: number }>();
      for (let i = 0; i < keys.length; i += 4) {
        const [a = '', b = '', c = '', d = ''] = keys.slice(i, i + 4);
        for (const r of (await q.counts(a, b, c, d, t)).rows) found.set(r.key, { count: Number(r.n), expiresAt: Number(r.expires_at) });
      }
      return keys.map((k) => found.get(k));
    },
    async entries(prefix) {
      const rows = await db
        .selectFrom('kv')
        .select(['key', 'value', 'expires_at'])
        .where('key', '>=', prefix)
        .where('key', '<', prefix + '\uffff')
        .where('expires_at', '>', now())
        .execute();
      return rows.map((r) => ({ key: r.key, value: r.value, expiresAt: Number(r.expires_at) }));
    },
    async close() {
      clearInterval(sweep);
    },
  };
}
