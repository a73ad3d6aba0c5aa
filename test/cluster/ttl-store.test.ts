import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import type { TtlStore } from '../../src/store/ttl-store.js';
import { missing, runPrefix, sharedPgDatabase, dropPrefix, REDIS_TEST_URL } from './support.js';

/**
 * One contract, three backends: the SQL store on SQLite and on PostgreSQL, and the Redis store.
 * `open` gives another connection (another node) onto the same shared state.
 */
interface Backend {
  name: string;
  skip?: string;
  setup(): Promise<void>;
  open(): Promise<TtlStore>;
  teardown(): Promise<void>;
}

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-ttl-'));
const closers: (() => Promise<void>)[] = [];
const openWith = async (url: string, opts: { redisUrl?: string; redisPrefix?: string } = {}) => {
  const store = await openStore(url, opts);
  closers.push(() => store.close());
  return store.ttl;
};

const pgSkip = await missing('postgres');
const redisSkip = await missing('redis');
let pgDb: { url: string; drop: () => Promise<void> } | undefined;
const redisPrefix = runPrefix('ttl');

const backends: Backend[] = [
  { name: 'sql on SQLite', setup: async () => undefined, open: () => openWith(`sqlite:${join(dir, 'ttl.db')}`), teardown: async () => undefined },
  {
    name: 'sql on PostgreSQL',
    skip: pgSkip,
    setup: async () => void (pgDb = await sharedPgDatabase()),
    open: () => openWith(pgDb!.url),
    teardown: async () => pgDb?.drop(),
  },
  {
    name: 'Redis',
    skip: redisSkip,
    setup: async () => undefined,
    // The database under it only holds what is not short-lived; the TTL entries go to Redis.
    open: () => openWith(`sqlite:${join(dir, 'redis-side.db')}`, { redisUrl: REDIS_TEST_URL, redisPrefix }),
    teardown: () => dropPrefix(redisPrefix),
  },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterAll(async () => {
  for (const c of closers.reverse()) await c();
  for (const b of backends) if (!b.skip) await b.teardown();
  rmSync(dir, { recursive: true, force: true });
});

for (const b of backends) {
  describe.skipIf(b.skip)(`TtlStore contract: ${b.name}`, () => {
    let ttl: TtlStore;
    // Each test uses keys of its own: the stores are shared by the whole file.
    const key = (s: string) => `${s}:${Math.random().toString(36).slice(2)}`;
    beforeAll(async () => {
      await b.setup();
      ttl = await b.open();
    });

    it('sets, reads, overwrites and deletes', async () => {
      const k = key('v');
      expect(await ttl.get(k)).toBeUndefined();
      await ttl.set(k, 'one', 10_000);
      expect(await ttl.get(k)).toBe('one');
      await ttl.set(k, 'two', 10_000);
      expect(await ttl.get(k)).toBe('two');
      await ttl.delete(k);
      expect(await ttl.get(k)).toBeUndefined();
      await ttl.delete(k);
    });

    it('counts within one window, and reads counts without changing them', async () => {
      const [a, b2, none] = [key('a'), key('b'), key('none')];
      const before = Date.now();
      const first = await ttl.incr(a, 60_000);
      expect(first.count).toBe(1);
      expect(first.expiresAt).toBeGreaterThanOrEqual(before + 59_000);
      expect(first.expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
      const second = await ttl.incr(a, 60_000);
      expect(second.count).toBe(2);
      // The window starts at the first increment: later ones do not move it.
      expect(Math.abs(second.expiresAt - first.expiresAt)).toBeLessThan(50);
      await ttl.incr(b2, 60_000);
      expect((await ttl.count(a))?.count).toBe(2);
      expect(await ttl.count(none)).toBeUndefined();
      const many = await ttl.counts([b2, none, a, key('x'), key('y'), a]);
      expect(many.map((c) => c?.count)).toEqual([1, undefined, 2, undefined, undefined, 2]);
      expect((await ttl.count(a))?.count).toBe(2);
      expect(await ttl.counts([])).toEqual([]);
    });

    it('forgets values and restarts counters at 1 once their time is up', async () => {
      const [v, c] = [key('short-v'), key('short-c')];
      await ttl.set(v, 'brief', 150);
      await ttl.incr(c, 150);
      await ttl.incr(c, 150);
      expect(await ttl.get(v)).toBe('brief');
      await sleep(250);
      expect(await ttl.get(v)).toBeUndefined();
      expect(await ttl.count(c)).toBeUndefined();
      expect((await ttl.counts([c]))[0]).toBeUndefined();
      const again = await ttl.incr(c, 60_000);
      expect(again.count).toBe(1);
      expect(again.expiresAt).toBeGreaterThan(Date.now() + 59_000);
    });

    it('lists live entries under a prefix, and only those', async () => {
      const p = key('list') + ':';
      await ttl.set(`${p}one`, '1', 60_000);
      await ttl.set(`${p}two`, '2', 60_000);
      await ttl.set(`${p}gone`, 'x', 100);
      await ttl.incr(`${p}counter`, 60_000);
      await ttl.set(`${p.slice(0, -1)}X:other`, 'no', 60_000);
      // Glob characters in a prefix are taken literally.
      await ttl.set(`${p}*[a]?`, 'literal', 60_000);
      await sleep(200);
      const found = (await ttl.entries(p)).sort((x, y) => x.key.localeCompare(y.key));
      expect(found.map((e) => [e.key.slice(p.length), e.value])).toEqual(
        [['*[a]?', 'literal'], ['counter', null], ['one', '1'], ['two', '2']].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
      );
      for (const e of found) expect(e.expiresAt).toBeGreaterThan(Date.now());
      const star = await ttl.entries(`${p}*`);
      expect(star.map((e) => e.value)).toEqual(['literal']);
    });

    it('counts exactly 200 parallel increments made through 4 connections', async () => {
      const nodes = [ttl, await b.open(), await b.open(), await b.open()];
      const k = key('race');
      const results = await Promise.all(Array.from({ length: 200 }, (_v, i) => nodes[i % 4]!.incr(k, 60_000)));
      expect(results.map((r) => r.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_v, i) => i + 1));
      expect((await nodes[1]!.count(k))?.count).toBe(200);
      // One window for all of them, whichever connection started it.
      const ends = results.map((r) => r.expiresAt);
      expect(Math.max(...ends) - Math.min(...ends)).toBeLessThan(1000);
    });
  });
}

describe.skipIf(redisSkip)('Redis TTL store: prefixes and connection', () => {
  it('keeps two prefixes apart on one Redis', async () => {
    const [p1, p2] = [runPrefix('iso1'), runPrefix('iso2')];
    const one = await openWith(`sqlite:${join(dir, 'iso1.db')}`, { redisUrl: REDIS_TEST_URL, redisPrefix: p1 });
    const two = await openWith(`sqlite:${join(dir, 'iso2.db')}`, { redisUrl: REDIS_TEST_URL, redisPrefix: p2 });
    try {
      await one.set('shared', 'first', 60_000);
      await one.incr('hits', 60_000);
      expect(await two.get('shared')).toBeUndefined();
      expect(await two.count('hits')).toBeUndefined();
      expect((await two.incr('hits', 60_000)).count).toBe(1);
      expect((await one.incr('hits', 60_000)).count).toBe(2);
      expect((await one.entries('')).map((e) => e.key).sort()).toEqual(['hits', 'shared']);
      // Every key it wrote is under its prefix.
      const { Redis } = await import('ioredis');
      const r = new Redis(REDIS_TEST_URL);
      expect((await r.keys(`${p1}*`)).sort()).toEqual([`${p1}hits`, `${p1}shared`]);
      await r.quit();
    } finally {
      await dropPrefix(p1);
      await dropPrefix(p2);
    }
  });

  it('rejects a call Redis holds longer than the command timeout, then works again', async () => {
    const p = runPrefix('paused');
    const ttl = await openWith(`sqlite:${join(dir, 'paused.db')}`, { redisUrl: REDIS_TEST_URL, redisPrefix: p });
    await ttl.incr('k', 60_000);
    const { Redis } = await import('ioredis');
    const admin = new Redis(REDIS_TEST_URL);
    // Writes wait on the server (a stalled Redis, as a failover looks from here) for 3 s.
    await admin.client('PAUSE', 3000, 'WRITE');
    const started = Date.now();
    // Unavailable for now (dialects answer 503), because the command timed out.
    const failed = await ttl.incr('k', 60_000).then(() => undefined, (e: unknown) => e as Error);
    expect(failed?.name).toBe('StoreUnavailableError');
    expect(String((failed?.cause as Error | undefined)?.message)).toMatch(/timed out/i);
    expect(Date.now() - started).toBeLessThan(2800);
    await admin.client('UNPAUSE');
    await admin.quit();
    // The increment that timed out may or may not have been applied: Redis ran it after the pause.
    expect((await ttl.incr('k', 60_000)).count).toBeGreaterThanOrEqual(2);
    await dropPrefix(p);
  });

  it('rejects promptly, without crashing, when Redis does not answer', async () => {
    // A port nothing listens on: every call must fail within the command timeout, not hang.
    const down = await openWith(`sqlite:${join(dir, 'down.db')}`, { redisUrl: 'redis://127.0.0.1:1', redisPrefix: runPrefix('down') });
    const started = Date.now();
    await expect(down.incr('k', 1000)).rejects.toThrow();
    await expect(down.get('k')).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
