import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config/index.js';
import { startGatehouse } from '../../src/server.js';
import { FEED_POLL_MS } from '../../src/core/tokens/revocations.js';
import { PG_CHANNEL } from '../../src/store/feed-signal.js';
import { missing, runPrefix, sharedPgDatabase, dropPrefix, REDIS_TEST_URL } from './support.js';

/**
 * Two nodes on one PostgreSQL database: a revocation written through one holds on the other
 * within a second, woken through Redis pub/sub or PostgreSQL NOTIFY, and through the feed's
 * poll while the channel is down.
 */
const pgSkip = await missing('postgres');
const redisSkip = pgSkip ?? (await missing('redis'));
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cluster-'));
type Node = Awaited<ReturnType<typeof startGatehouse>> & { warnings: string[] };
let open: Node[] = [];
const cleanups: (() => Promise<void>)[] = [];

async function startNode(databaseUrl: string, over: Partial<Config> = {}): Promise<Node> {
  const warnings: string[] = [];
  const config = loadConfig({}, {
    databaseUrl,
    dataDir: dir,
    logLevel: 'warn',
    jwtSecret: 'cluster-secret',
    secretKey: randomBytes(32).toString('base64url'),
    hashMemoryKib: 1024,
    hashIterations: 1,
    ...over,
  });
  const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
  const node = Object.assign(await startGatehouse(config, log), { warnings });
  open.push(node);
  return node;
}

/** Milliseconds until `b` sees a token revoked through `a`. */
async function propagation(a: Node, b: Node): Promise<number> {
  const sig = randomBytes(16).toString('base64url');
  const started = Date.now();
  await a.core.revocations.revoke(sig, Date.now() + 60_000);
  while (!b.core.revocations.isRevoked(sig)) {
    if (Date.now() - started > 3000) throw new Error('not propagated within 3 s');
    await new Promise((r) => setTimeout(r, 2));
  }
  return Date.now() - started;
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

async function until(what: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

afterEach(async () => {
  for (const n of open.reverse()) await n.close();
  open = [];
  for (const c of cleanups.splice(0)) await c();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Pushes arrive in a few ms; the poll alone would take FEED_POLL_MS / 2 on average. */
async function expectPushed(a: Node, b: Node): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < 10; i++) times.push(await propagation(i % 2 ? b : a, i % 2 ? a : b));
  expect(Math.max(...times)).toBeLessThan(1000);
  expect(median(times)).toBeLessThan(FEED_POLL_MS / 4);
}

describe.skipIf(pgSkip)('revocations across nodes: PostgreSQL LISTEN/NOTIFY', () => {
  it('reach the other node at once, and through the poll while the channel is lost', async () => {
    const db = await sharedPgDatabase();
    cleanups.push(db.drop);
    const a = await startNode(db.url);
    const b = await startNode(db.url);
    expect(a.core.revocations.healthy()).toBe(true);
    expect(b.core.revocations.healthy()).toBe(true);
    await expectPushed(a, b);

    // The listening connections end (a failover, pg_terminate_backend); they come back after 1 s.
    const pg = (await import('pg')).default;
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query = $1`, [`listen ${PG_CHANNEL}`]);
    await admin.end();
    await until(() => !b.core.revocations.healthy(), 1000);
    const lost = await propagation(a, b);
    expect(b.core.revocations.healthy()).toBe(false);
    expect(lost).toBeLessThan(FEED_POLL_MS + 150);
    expect(b.warnings.filter((w) => w.includes('revocation channel is lost'))).toHaveLength(1);

    await until(() => a.core.revocations.healthy() && b.core.revocations.healthy(), 5000);
    await expectPushed(a, b);
  });
});

describe.skipIf(pgSkip)('revocations across nodes: a burst', () => {
  it('200 revocations at once on one node all hold on the other within a second', async () => {
    const db = await sharedPgDatabase();
    cleanups.push(db.drop);
    const a = await startNode(db.url);
    const b = await startNode(db.url);
    const sigs = Array.from({ length: 200 }, () => randomBytes(16).toString('base64url'));
    const started = Date.now();
    await Promise.all(sigs.map((s) => a.core.revocations.revoke(s, Date.now() + 60_000)));
    await until(() => sigs.every((s) => b.core.revocations.isRevoked(s)), 1000);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe.skipIf(redisSkip)('revocations across nodes: Redis pub/sub', () => {
  it('reach the other node at once, and recover after the subscriber is cut', async () => {
    const db = await sharedPgDatabase();
    const prefix = runPrefix('feed');
    cleanups.push(db.drop, () => dropPrefix(prefix));
    const a = await startNode(db.url, { redisUrl: REDIS_TEST_URL, redisPrefix: prefix });
    const b = await startNode(db.url, { redisUrl: REDIS_TEST_URL, redisPrefix: prefix });
    expect(b.core.revocations.healthy()).toBe(true);
    await expectPushed(a, b);

    // Cut both subscriber connections of this run (named after their channel).
    const r = new Redis(REDIS_TEST_URL);
    const list = (await r.client('LIST')) as string;
    const ids = list.split('\n').filter((l) => l.includes(` name=${prefix}access-events `)).map((l) => /id=(\d+)/.exec(l)?.[1]);
    expect(ids).toHaveLength(2);
    for (const id of ids) await r.client('KILL', 'ID', id!);
    await r.quit();
    await until(() => b.warnings.some((w) => w.includes('revocation channel is lost')), 2000);
    await until(() => a.core.revocations.healthy() && b.core.revocations.healthy(), 5000);
    await expectPushed(a, b);
    expect(b.warnings.filter((w) => w.includes('revocation channel is lost'))).toHaveLength(1);
  });

  it('reach a node whose channel is down within the poll interval, and it says so', async () => {
    const db = await sharedPgDatabase();
    const prefix = runPrefix('feed-down');
    cleanups.push(db.drop, () => dropPrefix(prefix));
    const a = await startNode(db.url, { redisUrl: REDIS_TEST_URL, redisPrefix: prefix });
    // Its Redis never answers: no wake-ups reach it, the feed's poll still does.
    const b = await startNode(db.url, { redisUrl: 'redis://127.0.0.1:1', redisPrefix: prefix });
    expect(b.core.revocations.healthy()).toBe(false);
    expect(b.warnings.filter((w) => w.includes('revocation channel is lost'))).toHaveLength(1);
    for (let i = 0; i < 5; i++) expect(await propagation(a, b)).toBeLessThan(FEED_POLL_MS + 150);
    expect(b.warnings.filter((w) => w.includes('revocation channel is lost'))).toHaveLength(1);
  });
});
