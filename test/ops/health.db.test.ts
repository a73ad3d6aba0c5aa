import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { startGatehouse } from '../../src/server.js';
import { describeDb, freshDatabase } from '../support/server.js';

/**
 * Liveness and readiness (issue 15, item 6): `/health/live` answers while the process runs,
 * `/health/ready` is 503 with a reason while the database does not answer, and `/health` keeps
 * its two shapes. Built by hand rather than with startServer: the test closes the store under
 * the running server.
 */

await describeDb('health endpoints', () => {
  let dir: string;
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let gh: Awaited<ReturnType<typeof startGatehouse>>;
  let url: string;
  let extraUp = true;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-health-'));
    db = await freshDatabase(dir);
    const config = loadConfig({}, { databaseUrl: db.url, dataDir: dir, host: '127.0.0.1', port: 0, logLevel: 'silent', hashMemoryKib: 1024, hashIterations: 1 });
    // A second dependency, as a cluster's propagation channel will be (issue 14).
    gh = await startGatehouse(config, pino({ level: 'silent' }), { readiness: [{ name: 'channel', check: async () => extraUp }] });
    await gh.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = gh.app.server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  afterAll(async () => {
    await gh?.app.close();
    await gh?.core.close();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const get = async (path: string) => {
    const r = await fetch(url + path);
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };

  it('is live and ready while the database answers', async () => {
    expect(await get('/health/live')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await get('/health/ready')).toEqual({ status: 200, body: { status: 'ready', checks: expect.objectContaining({ database: 'up', channel: 'up' }) } });
    expect(await get('/health')).toEqual({ status: 200, body: { status: 'ok', Status: 'OK', DB: true } });
  });

  it('reports the revocation channel where nodes share one (PostgreSQL or Redis), not on SQLite alone', async () => {
    const checks = (await get('/health/ready')).body.checks as Record<string, string>;
    if (gh.store.kind === 'postgres') expect(checks['revocation channel']).toBe('up');
    else expect(checks).not.toHaveProperty('revocation channel');
  });

  it('is not ready while another dependency is down, and says which', async () => {
    extraUp = false;
    try {
      expect(await get('/health/ready')).toEqual({ status: 503, body: { status: 'unavailable', reason: 'channel not reachable', checks: expect.objectContaining({ database: 'up', channel: 'down' }) } });
    } finally {
      extraUp = true;
    }
  });

  it('is still live but not ready once the database is closed', async () => {
    await gh.store.close();
    expect(await get('/health/ready')).toEqual({ status: 503, body: { status: 'unavailable', reason: expect.stringMatching(/^database(, revocation channel)? not reachable$/), checks: expect.objectContaining({ database: 'down', channel: 'up' }) } });
    expect(await get('/health/live')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await get('/health')).toEqual({ status: 503, body: { status: 'degraded', Status: 'ERROR', DB: false } });
    // Metrics still answer (the sessions gauge keeps its last count) so the outage can be watched.
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
  });
});
