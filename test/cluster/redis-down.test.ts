import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startServer, type TestServer } from '../support/server.js';
import { runPrefix } from './support.js';
import { arcFixture } from '../support/fixtures/arc.js';

/**
 * Redis unreachable (a port nothing listens on): the node starts, and a sign-in, which counts its
 * attempt in the TTL store, answers 503 with Retry-After in its dialect's envelope within the
 * command timeout (the store is down for now, the request may succeed in a moment), never 500,
 * never hangs, and says nothing of the connection.
 */
describe('a node whose Redis does not answer', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer({ redisUrl: 'redis://127.0.0.1:1', redisPrefix: runPrefix('down') });
    await arcFixture(srv.core);
  });
  afterAll(async () => srv?.close());

  const CSRF = 'csrfcsrfcsrfcsrfcsrfcsrfcsrfcsrf';
  const cases: [string, string, string, Record<string, unknown>, Record<string, string>, (body: unknown) => void][] = [
    ['arc', 'POST', '/auth/login', { client_id: 'web', client_secret: 'test', username: 'test_user', password: 'wrong-pass' }, {}, (b) => expect(b).toEqual({ error: { statusCode: 503, name: 'ServiceUnavailableError', message: 'Service Unavailable' } })],
    ['basic', 'POST', '/auth/login', { email: 'nobody@example.com', password: 'Secr3t!pass' }, {}, (b) => expect(b).toEqual({ error: 'Service Unavailable' })],
    ['simple', 'POST', '/api/v1/auth/session', { username: 'nobody', password: 'x-pass' }, { cookie: `_csrf=${CSRF}`, 'x-csrf-token': CSRF }, (b) => expect(b).toMatchObject({ error: true, reason: 'unavailable' })],
    ['feathers', 'POST', '/authentication', { strategy: 'local', email: 'nobody@example.com', password: 'x-pass' }, {}, (b) => expect(b).toMatchObject({ name: 'Unavailable', code: 503 })],
  ];

  it.each(cases)('%s: a sign-in answers 503 with Retry-After promptly, in the dialect envelope, and the node keeps serving', async (_d, method, path, json, headers, envelope) => {
    const req = client(srv.url);
    const started = Date.now();
    const res = await req(method, path, { json, headers });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(res.status).toBe(503);
    envelope(res.body);
    if (_d !== 'feathers') expect(res.headers.get('retry-after')).toBe('5');
    expect(res.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1:1|stack|Redis/i);
    expect((await req('GET', '/health/live')).status).toBe(200);
  });
});
