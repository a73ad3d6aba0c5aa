import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startServer, type TestServer } from '../support/server.js';
import { runPrefix } from './support.js';

/**
 * Redis unreachable (a port nothing listens on): the node starts, and a login, which counts its
 * attempt in the TTL store, answers an error within the command timeout instead of hanging.
 */
describe('a node whose Redis does not answer', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer({ redisUrl: 'redis://127.0.0.1:1', redisPrefix: runPrefix('down') });
  });
  afterAll(async () => srv?.close());

  it('answers a login with a 5xx promptly, and keeps serving', async () => {
    const req = client(srv.url);
    const started = Date.now();
    const res = await req('POST', '/auth/login', { json: { email: 'nobody@example.com', password: 'Secr3t!pass' } });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1:1|stack/);
    expect((await req('GET', '/health/live')).status).toBe(200);
  });
});
