import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config/index.js';
import { startGatehouse } from '../../src/server.js';
import { client } from '../support/server.js';
import { missing, runPrefix, sharedPgDatabase, dropPrefix, REDIS_TEST_URL } from './support.js';

/** Two nodes on one PostgreSQL and one Redis: throttle counters are shared, so a lockout is. */
const skip = (await missing('postgres')) ?? (await missing('redis'));
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-lockout-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PASSWORD = 'Secr3t!pass';

describe.skipIf(skip)('a lockout across nodes sharing Redis', () => {
  it('counts guesses made through both nodes together, and holds on each', async () => {
    const db = await sharedPgDatabase();
    const prefix = runPrefix('lockout');
    const config = loadConfig({}, {
      databaseUrl: db.url,
      dataDir: dir,
      logLevel: 'silent',
      jwtSecret: 'cluster-secret',
      secretKey: randomBytes(32).toString('base64url'),
      hashMemoryKib: 1024,
      hashIterations: 1,
      loginMaxFailures: 3,
      loginLockoutSeconds: 600,
      loginMaxFailuresPerIp: 0,
      redisUrl: REDIS_TEST_URL,
      redisPrefix: prefix,
    });
    const nodes = [];
    for (let i = 0; i < 2; i++) {
      const gh = await startGatehouse(config, pino({ level: 'silent' }));
      await gh.app.listen({ host: '127.0.0.1', port: 0 });
      const addr = gh.app.server.address();
      nodes.push({ gh, req: client(`http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`) });
    }
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    try {
      const email = `lock.${process.pid}@example.com`;
      expect((await a.req('POST', '/auth/register', { json: { name: 'Lock Smith', bio: 'none', email, password: PASSWORD, confirm: PASSWORD } })).status).toBe(201);
      const guesses = await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 ? b : a).req('POST', '/auth/login', { json: { email, password: `Wrong${i}!pass` } })),
      );
      const statuses = guesses.map((g) => g.status);
      for (const s of statuses) expect([401, 429]).toContain(s);
      // Each node lets at most loginMaxFailures checks run at once (src/core/throttle.ts: a
      // cluster's bound is nodes × max); the failures they count are shared, so the lockout is.
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(2 * 3);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(12 - 2 * 3);
      for (const n of [a, b]) expect((await n.req('POST', '/auth/login', { json: { email, password: PASSWORD } })).status).toBe(429);

      // The counters are in Redis, under the prefix, and not in the database.
      const r = new Redis(REDIS_TEST_URL);
      expect((await r.keys(`${prefix}*`)).length).toBeGreaterThan(0);
      await r.quit();
      const kv = await sql<{ n: number }>`select count(*)::int as n from kv`.execute(a.gh.store.db);
      expect(kv.rows[0]?.n).toBe(0);
    } finally {
      for (const n of nodes) await n.gh.close();
      await db.drop();
      await dropPrefix(prefix);
    }
  });
});
