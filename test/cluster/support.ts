import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { postgresUnavailable } from '../support/server.js';

export const REDIS_TEST_URL = process.env.GATEHOUSE_TEST_REDIS ?? 'redis://127.0.0.1:6379';
const PG_ADMIN = process.env.GATEHOUSE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let redisReachable: Promise<string | undefined> | undefined;
/** undefined when Redis answers, else the reason it does not. */
export function redisUnavailable(): Promise<string | undefined> {
  redisReachable ??= (async () => {
    const r = new Redis(REDIS_TEST_URL, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => undefined);
    try {
      await r.connect();
      await r.ping();
      return undefined;
    } catch (e) {
      return `Redis not reachable at ${REDIS_TEST_URL}: ${(e as Error).message}`;
    } finally {
      r.disconnect();
    }
  })();
  return redisReachable;
}

/** The reason a dependency is missing, or undefined; in CI a missing one fails the run instead. */
export async function missing(what: 'redis' | 'postgres'): Promise<string | undefined> {
  const reason = what === 'redis' ? await redisUnavailable() : await postgresUnavailable();
  if (reason && process.env.CI) throw new Error(`CI requires ${what}: ${reason}`);
  if (reason) console.warn(`skipped: ${reason}`);
  return reason;
}

/** A key prefix no other run uses: runs (and other helpers' tests) share one Redis. */
export const runPrefix = (what: string) => `gh-test:${what}:${randomBytes(6).toString('hex')}:`;

/** A fresh PostgreSQL database that several stores (nodes) open at once. */
export async function sharedPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const pg = (await import('pg')).default;
  const name = `gh_cluster_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  return {
    url: PG_ADMIN.replace(/\/[^/]*$/, `/${name}`),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** Removes every key of a run (its prefix). */
export async function dropPrefix(prefix: string): Promise<void> {
  const r = new Redis(REDIS_TEST_URL);
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await r.del(...keys);
  } while (cursor !== '0');
  await r.quit();
}
