import { Writable } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { startGatehouse } from '../../src/server.js';

/**
 * The request id (issue 15, item 6): a safe incoming `X-Request-Id` is kept, anything else
 * replaced by one of ours; the answer echoes it and every log line of the request carries it.
 */

const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
    done();
  },
});

let dir: string;
let gh: Awaited<ReturnType<typeof startGatehouse>>;
let url: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-reqid-'));
  const config = loadConfig({}, { databaseUrl: `sqlite:${join(dir, 'gh.db')}`, dataDir: dir, host: '127.0.0.1', port: 0, logLevel: 'info', hashMemoryKib: 1024, hashIterations: 1 });
  gh = await startGatehouse(config, pino({ level: 'info' }, sink));
  await gh.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = gh.app.server.address();
  url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(async () => {
  await gh?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The log lines of the request with this id. */
const linesOf = (id: string) => lines.filter((l) => l.reqId === id);

it('keeps a safe X-Request-Id, echoes it and logs it on every line of the request', async () => {
  const id = '3f2c9a1e-7b4d-4c2a-9e1f-0a1b2c3d4e5f';
  const r = await fetch(`${url}/auth/login`, { method: 'POST', headers: { 'x-request-id': id, 'content-type': 'application/json' }, body: JSON.stringify({ email: 'nobody@example.com', password: 'x' }) });
  expect(r.status).toBe(401);
  expect(r.headers.get('x-request-id')).toBe(id);
  await new Promise((res) => setImmediate(res));
  const mine = linesOf(id);
  expect(mine.map((l) => l.msg)).toEqual(['incoming request', 'request completed']);
});

it('replaces an unsafe or overlong X-Request-Id with one of its own', async () => {
  for (const sent of ['a b', 'x'.repeat(65), '"quoted"', 'semi;colon', '<script>']) {
    const r = await fetch(`${url}/health/live`, { headers: { 'x-request-id': sent } });
    const got = r.headers.get('x-request-id') ?? '';
    expect(got).not.toBe(sent);
    expect(got).toMatch(/^[A-Za-z0-9_-]{8}-[0-9a-z]+$/);
    await new Promise((res) => setImmediate(res));
    expect(linesOf(got).length).toBe(2);
    expect(lines.some((l) => l.reqId === sent)).toBe(false);
  }
});

it('gives each request without one an id of its own', async () => {
  const ids = new Set<string>();
  for (let i = 0; i < 5; i++) ids.add((await fetch(`${url}/health/live`)).headers.get('x-request-id') ?? '');
  expect(ids.size).toBe(5);
  for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{8}-[0-9a-z]+$/);
  // Unknown routes echo it too.
  expect((await fetch(`${url}/no/such/route`)).headers.get('x-request-id')).toMatch(/^[A-Za-z0-9_-]{8}-/);
});
