import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DB, describeDb, freshDatabase } from '../support/server.js';
import { openDb, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrations/index.js';
import { reusable } from '../../src/store/reusable.js';
import { sqlTtlStore } from '../../src/store/ttl-store.js';

/** Queries compiled once run with each call's own values: repeated and constant parameters included. */

let dir: string;
let conn: Db;
let drop: () => Promise<void>;

await describeDb('reusable queries', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-reusable-'));
    const fresh = await freshDatabase(dir);
    drop = fresh.drop;
    conn = await openDb(fresh.url);
    await migrate(conn);
  });
  afterAll(async () => {
    await conn?.close();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('each call binds its own arguments, wherever and however often they appear', async () => {
    const db = conn.db;
    const put = reusable(db, (key: string, n: number, expires: number) =>
      db.insertInto('kv').values({ key, value: null, n, expires_at: expires }).onConflict((oc) => oc.column('key').doUpdateSet({ n: sql<number>`kv.n + ${n}`, expires_at: expires })),
    );
    const get = reusable(db, (key: string, after: number) => db.selectFrom('kv').select(['key', 'n', 'expires_at']).where('key', '=', key).where('expires_at', '>', after).where('n', '>', 0));
    await put('a', 1, 1000);
    await put('b', 5, 2000);
    await put('a', 2, 3000);
    expect((await get('a', 0)).rows).toEqual([{ key: 'a', n: 3, expires_at: 3000 }]);
    expect((await get('b', 0)).rows).toEqual([{ key: 'b', n: 5, expires_at: 2000 }]);
    expect((await get('b', 2000)).rows).toEqual([]);
    expect((await get('missing', 0)).rows).toEqual([]);
  });

  it('the TTL store built on them counts, expires and forgets', async () => {
    const ttl = sqlTtlStore(conn.db);
    try {
      expect(await ttl.incr('c', 60_000)).toMatchObject({ count: 1 });
      expect(await ttl.incr('c', 60_000)).toMatchObject({ count: 2 });
      expect(await ttl.count('c')).toMatchObject({ count: 2 });
      await ttl.incr('c2', 60_000);
      // Several counters in one read, in the order asked, five keys (more than one read's four).
      const many = await ttl.counts(['none', 'c', 'x', 'y', 'c2']);
      expect(many.map((m) => m?.count)).toEqual([undefined, 2, undefined, undefined, 1]);
      await ttl.delete('c');
      expect(await ttl.count('c')).toBeUndefined();
      expect(await ttl.incr('c', 60_000)).toMatchObject({ count: 1 });
      await ttl.set('s', 'v', 60_000);
      expect(await ttl.get('s')).toBe('v');
      await ttl.set('s', 'w', 1);
      await new Promise((r) => setTimeout(r, 10));
      expect(await ttl.get('s')).toBeUndefined();
      // An expired window starts again at one.
      expect(await ttl.incr('e', 1)).toMatchObject({ count: 1 });
      await new Promise((r) => setTimeout(r, 10));
      expect(await ttl.incr('e', 60_000)).toMatchObject({ count: 1 });
    } finally {
      await ttl.close();
    }
  });

  it('concurrent logins of one account from one address never deadlock', async () => {
    const ttl = sqlTtlStore(conn.db);
    try {
      // What many parallel sign-ins of one service account behind one proxy do to the counters.
      const one = async () => {
        await ttl.incr('d:ip', 60_000);
        await ttl.incr('d:acct', 60_000);
        await ttl.delete('d:acct');
      };
      const results = await Promise.allSettled(Array.from({ length: 200 }, one));
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      // No increment was lost.
      expect((await ttl.count('d:ip'))?.count).toBe(200);
    } finally {
      await ttl.close();
    }
  });
});
