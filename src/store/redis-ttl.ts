import type { TtlStore } from './ttl-store.js';
import type { RedisConn } from './redis.js';
import { StoreUnavailableError } from './errors.js';

/*
 * Each entry is a hash: `v` the value (set), `n` the counter (incr), with the key's own expiry as
 * the window, so a key behaves as a `kv` row of the SQL store (value and count side by side).
 * The scripts run atomically on the server: parallel increments from any number of nodes are
 * counted exactly, and no reader sees a count without its expiry.
 */

/** Adds one; a key without expiry (new, or whose window ended and was removed) starts its window now. */
const INCR = `
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
local t = redis.call('PTTL', KEYS[1])
if t < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); t = tonumber(ARGV[1]) end
return {n, t}`;

/** For each key: its count (0 when only set) and the milliseconds left, or -2 when it is gone. */
const COUNTS = `
local out = {}
for i, k in ipairs(KEYS) do
  out[2 * i - 1] = tonumber(redis.call('HGET', k, 'n') or '0')
  out[2 * i] = redis.call('PTTL', k)
end
return out`;

/** SCAN's MATCH is a glob: a prefix is matched literally. */
const glob = (s: string) => s.replace(/[*?[\]\\]/g, '\\$&');

/**
 * The TTL store in Redis (REDIS_URL), every key under `conn.prefix`. Times come from this node's
 * clock (`expiresAt` = now + what Redis says is left), so they agree with the SQL store's.
 */
export function redisTtlStore(conn: RedisConn): TtlStore {
  const r = conn.client;
  const k = (key: string) => conn.prefix + key;
  const live = (n: unknown, ttl: unknown) => (Number(ttl) === -2 ? undefined : { count: Number(n), expiresAt: Date.now() + Math.max(0, Number(ttl)) });
  const store: TtlStore = {
    async get(key) {
      return (await r.hget(k(key), 'v')) ?? undefined;
    },
    async set(key, value, ttlMs) {
      await r.multi().hset(k(key), 'v', value).pexpire(k(key), Math.max(1, Math.ceil(ttlMs))).exec();
    },
    async delete(key) {
      await r.del(k(key));
    },
    async incr(key, ttlMs) {
      const [n, t] = (await r.eval(INCR, 1, k(key), Math.max(1, Math.ceil(ttlMs)))) as [number, number];
      return { count: Number(n), expiresAt: Date.now() + Number(t) };
    },
    async count(key) {
      const [n, t] = (await r.eval(COUNTS, 1, k(key))) as number[];
      return live(n, t);
    },
    async counts(keys) {
      if (!keys.length) return [];
      const flat = (await r.eval(COUNTS, keys.length, ...keys.map(k))) as number[];
      return keys.map((_key, i) => live(flat[2 * i], flat[2 * i + 1]));
    },
    /**
     * SCAN walks the whole keyspace of the Redis database (every deployment sharing it, not only
     * the matches), 1000 keys a call: O(all keys). Only the start-up load uses it (the legacy
     * `revoked:` entries), never a request.
     */
    async entries(prefix) {
      const out: { key: string; value: string | null; expiresAt: number }[] = [];
      let cursor = '0';
      do {
        const [next, found] = await r.scan(cursor, 'MATCH', glob(k(prefix)) + '*', 'COUNT', 1000);
        cursor = next;
        if (!found.length) continue;
        const p = r.pipeline();
        for (const key of found) p.hget(key, 'v').pttl(key);
        const res = (await p.exec()) ?? [];
        const failed = res.find(([err]) => err);
        if (failed) throw failed[0];
        found.forEach((key, i) => {
          const value = res[2 * i]?.[1] as string | null | undefined;
          const ttl = Number(res[2 * i + 1]?.[1]);
          if (ttl === -2) return;
          out.push({ key: key.slice(conn.prefix.length), value: value ?? null, expiresAt: Date.now() + Math.max(0, ttl) });
        });
      } while (cursor !== '0');
      return out;
    },
    close: () => conn.close(),
  };
  return unavailableWhenDown(store);
}

/** Every failure of a call to Redis (refused, timed out, connection lost) as StoreUnavailableError. */
function unavailableWhenDown(store: TtlStore): TtlStore {
  const wrap =
    <A extends unknown[], R>(f: (...args: A) => Promise<R>) =>
    (...args: A) =>
      f(...args).catch((e: unknown) => {
        throw new StoreUnavailableError('the shared state store (Redis)', e);
      });
  return {
    get: wrap(store.get),
    set: wrap(store.set),
    delete: wrap(store.delete),
    incr: wrap(store.incr),
    count: wrap(store.count),
    counts: wrap(store.counts),
    entries: wrap(store.entries),
    close: store.close,
  };
}
