import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { startGatehouse } from '../../src/server.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
const env = {
  ...process.env,
  DATABASE_URL: `sqlite:${join(dir, 'gh.db')}`,
  GATEHOUSE_DATA_DIR: dir,
  PASSWORD_HASH_MEMORY_KIB: '1024',
  PASSWORD_HASH_ITERATIONS: '1',
  LOG_LEVEL: 'warn',
};
const cli = async (...args: string[]) => {
  const { stdout } = await run('node', [CLI, ...args, '--json'], { env });
  return JSON.parse(stdout.trim().split('\n').pop() ?? 'null') as Record<string, unknown> & unknown[];
};

describe('gatehouse CLI and server start', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('migrates, creates a client and a user allowed on it, and lists them', async () => {
    expect(((await cli('migrate')) as unknown as { applied: string[] }).applied).toEqual(expect.arrayContaining(['0001_initial', '0002_simple_dialect', '0003_client_tokens', '0004_access_events', '0005_feathers']));
    expect(await cli('migrate')).toEqual({ applied: [] });
    const c = await cli('client', 'create', '--client-id', 'web', '--client-secret', 'test', '--secret', 'poiuytrewq', '--redirect-url', 'http://localhost/cb');
    expect(c).toMatchObject({ clientId: 'web', accessTokenExpiration: 900, refreshTokenExpiration: 86400, authCodeExpiration: 180 });
    const u = await cli('user', 'create', '--username', 'alice', '--password', 'alice-pw', '--email', 'alice@example.com', '--first-name', 'Alice', '--dob', '1990-01-02', '--role', 'admin', '--permission', 'Extra', '--client', 'web');
    expect(u).toMatchObject({ username: 'alice', email: 'alice@example.com' });
    const users = await cli('user', 'list');
    expect(users.map((x) => (x as { username: string }).username)).toEqual(['alice']);
    expect(JSON.stringify(users)).not.toMatch(/argon2|alice-pw/);
    await expect(run('node', [CLI, 'user', 'create', '--username', 'bob'], { env })).rejects.toMatchObject({ code: 2 });
    await expect(run('node', [CLI, 'user', 'create', '--username', 'bob', '--password', 'x', '--status', 'sleeping'], { env })).rejects.toMatchObject({ code: 2 });
    await expect(run('node', [CLI, 'user', 'create', '--username', 'alice', '--password', 'x'], { env })).rejects.toMatchObject({ code: 1 });
  });

  it('client create without secrets prints the generated ones once (text and --json), and they work', async () => {
    const made = await cli('client', 'create', '--client-id', 'gen-json');
    expect(made).toMatchObject({ clientId: 'gen-json', clientSecret: expect.stringMatching(/^[\w-]{32}$/), secret: expect.stringMatching(/^[\w-]{43}$/) });
    // Only this once: listing never shows a secret.
    for (const c of await cli('client', 'list')) expect(Object.keys(c as object).sort()).toEqual(['clientId', 'id', 'redirectUrl']);
    // Text output: one line with clientSecret= and secret=; a note on stderr says they are shown once.
    const text = await run('node', [CLI, 'client', 'create', '--client-id', 'gen-text', '--client-secret', 'chosen'], { env });
    expect(text.stdout).not.toContain('chosen');
    expect(text.stdout).toMatch(/^id=\d+ {2}clientId=gen-text {2}secret=[\w-]{43} {2}redirectUrl=/);
    expect(text.stderr).toContain('printed once');
    // The printed secret is the stored one: the client can sign in with it.
    await cli('user', 'create', '--username', 'genuser', '--password', 'gen-pw', '--client', 'gen-json');
    const gh = await startGatehouse(loadConfig(env as NodeJS.ProcessEnv, { logLevel: 'silent' }));
    try {
      const r = await gh.app.inject({ method: 'POST', url: '/auth/login-token', payload: { client_id: 'gen-json', client_secret: made.clientSecret, username: 'genuser', password: 'gen-pw' } });
      expect(r.statusCode).toBe(200);
      expect((await gh.core.clients.byClientId('gen-json'))?.secret).toBe(made.secret);
    } finally {
      await gh.close();
    }
  });

  it('serves: /health answers, the CLI user signs in, SIGTERM exits cleanly', { timeout: 60_000 }, async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn('node', [CLI, 'serve'], { env: { ...env, PORT: String(port), HOST: '127.0.0.1', JWT_SECRET: 's3cret', JWT_ISSUER: 'sourcefuse' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const base = `http://127.0.0.1:${port}`;
    // Up to 30 s: a loaded CI machine starts the server (migrations, seeding) slowly.
    for (let i = 0; i < 300; i++) {
      const ok = await fetch(`${base}/health`).then((r) => r.ok, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok', Status: 'OK', DB: true });
    // Users existed already, so no admin is created; the client table was not empty either.
    expect(out).not.toContain('admin password');
    const r = await fetch(`${base}/auth/login-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'web', client_secret: 'test', username: 'alice', password: 'alice-pw' }),
    });
    expect(r.status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(join(dir, 'gh.db'))).toBe(true);
  });

  it('first start on an empty database creates the admin and a default client, shown once', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'gatehouse-first-'));
    const port = 20000 + Math.floor(Math.random() * 20000);
    const e2 = { ...env, DATABASE_URL: `sqlite:${join(fresh, 'gh.db')}`, GATEHOUSE_DATA_DIR: fresh, PORT: String(port), HOST: '127.0.0.1', GATEHOUSE_ADMIN_USERNAME: 'root' };
    const child = spawn('node', [CLI, 'serve'], { env: { ...e2, LOG_LEVEL: 'info' } });
    let out = '';
    let log = '';
    // The credentials go to stderr, apart from the JSON log on stdout.
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    for (let i = 0; i < 300 && !out.includes('client secret'); i++) await new Promise((r) => setTimeout(r, 100));
    const password = /admin password:\s+(\S+)/.exec(out)?.[1];
    const secret = /client secret:\s+(\S+)/.exec(out)?.[1];
    expect(out).toContain('admin user:      root');
    expect(password).toBeTruthy();
    for (let i = 0; i < 100; i++) {
      if (await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const r = await fetch(`http://127.0.0.1:${port}/auth/login-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'default', client_secret: secret, username: 'root', password }),
    });
    expect(r.status).toBe(200);
    const me = await fetch(`http://127.0.0.1:${port}/auth/me`, { headers: { authorization: `Bearer ${((await r.json()) as { accessToken: string }).accessToken}` } });
    expect(((await me.json()) as { permissions: string[] }).permissions).toEqual(expect.arrayContaining(['NotAllowed', 'ManageOtp']));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const lines = log.trim().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(log).not.toContain(password as string);
    expect(log).not.toContain(secret as string);
    rmSync(fresh, { recursive: true, force: true });
  });
});
