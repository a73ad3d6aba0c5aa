import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';

/**
 * Signals and supervision (issue 15, item 3): `gatehouse serve`, run directly as a supervisor
 * runs it, stops on SIGTERM and SIGINT with exit code 0, after finishing the requests in flight
 * and closing the store. Needs dist/ (`npm test` builds it first).
 */

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });

async function serve(): Promise<{ child: ChildProcess; port: number; dir: string; out: () => string; exited: Promise<{ code: number | null; signal: string | null }> }> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-signals-'));
  dirs.push(dir);
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: { PATH: process.env.PATH, DATABASE_URL: `sqlite:${join(dir, 'gh.db')}`, GATEHOUSE_DATA_DIR: dir, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', GATEHOUSE_ADMIN_PASSWORD: 'signals-admin-pw' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  // Up to 30 s: a loaded machine starts the server (migrations, first-start hashing) slowly.
  for (let i = 0; i < 300; i++) {
    if (await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok, () => false)) break;
    if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, port, dir, out: () => out, exited };
}

/** Sends the headers and part of a body, and gives back the socket and its answer to come. */
function slowRequest(port: number, body: string, firstPart: number): Promise<{ socket: Socket; answer: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, firstPart)}`);
      let text = '';
      const answer = new Promise<string>((done) => {
        socket.on('data', (d: Buffer) => (text += d.toString()));
        socket.on('close', () => done(text));
      });
      resolve({ socket, answer });
    });
    socket.once('error', reject);
  });
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  it(`on ${signal}: stops taking connections, finishes the request in flight, closes the store, exits 0`, { timeout: 60_000 }, async () => {
    const { child, port, dir, out, exited } = await serve();
    const body = JSON.stringify({ email: 'nobody@example.com', password: 'not-the-password' });
    const { socket, answer } = await slowRequest(port, body, 10);
    // The server has the request (headers parsed, body pending) before the signal.
    await new Promise((r) => setTimeout(r, 300));
    child.kill(signal);
    await new Promise((r) => setTimeout(r, 500));
    expect(child.exitCode).toBeNull();
    // No new connections once stopping.
    expect(await fetch(`http://127.0.0.1:${port}/health/live`).then(() => 'answered', () => 'refused')).toBe('refused');
    socket.write(body.slice(10));
    const text = await answer;
    expect(text).toMatch(/^HTTP\/1\.1 401 /);
    expect(text.toLowerCase()).toContain('x-request-id:');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(out()).toContain('"msg":"shutting down"');
    expect(out()).toContain(`"signal":"${signal}"`);
    // The store was closed: SQLite removes its write-ahead log when the last connection closes.
    expect(existsSync(join(dir, 'gh.db'))).toBe(true);
    expect(existsSync(join(dir, 'gh.db-wal'))).toBe(false);
  });
}

it('a request that never finishes does not hold the stop: its connection is cut after the grace period', { timeout: 60_000 }, async () => {
  const { child, port, exited } = await serve();
  const { answer } = await slowRequest(port, JSON.stringify({ email: 'nobody@example.com', password: 'never-sent-in-full' }), 5);
  await new Promise((r) => setTimeout(r, 300));
  const stoppedAt = Date.now();
  child.kill('SIGTERM');
  expect(await exited).toEqual({ code: 0, signal: null });
  const took = Date.now() - stoppedAt;
  // SHUTDOWN_GRACE_MS (8 s), not keepAliveTimeout (72 s) nor forever.
  expect(took).toBeGreaterThanOrEqual(7_500);
  expect(took).toBeLessThan(20_000);
  expect(await answer).toBe('');
});

