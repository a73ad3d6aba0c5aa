import { spawn } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Start-up failures as an operator meets them: `node dist/cli.js serve` (build first:
// npx tsc -p tsconfig.build.json) with one bad setting each; exit code 1, one line on stderr
// naming what to fix, no stack trace unless LOG_LEVEL=debug, and no hang.
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-startup-'));
const good = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? dir,
  DATABASE_URL: `sqlite:${join(dir, 'gh.db')}`,
  GATEHOUSE_DATA_DIR: join(dir, 'data'),
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'warn',
  PASSWORD_HASH_MEMORY_KIB: '1024',
  PASSWORD_HASH_ITERATIONS: '1',
};

function serve(env: Record<string, string>, ms = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('node', [CLI, 'serve'], { env: { ...good, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // A start that hangs (the old /proc/x bug) is killed and reported as such.
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function failsWith(env: Record<string, string>, line: RegExp): Promise<void> {
  const r = await serve(env);
  expect(r.code, `stderr: ${r.stderr}`).toBe(1);
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(line);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

/** A directory this process cannot write to: /sys for root (root ignores modes), a 0500 one otherwise. */
function unwritableDir(): string | undefined {
  if (process.getuid?.() !== 0) {
    const d = join(dir, 'readonly');
    mkdtempSync(d);
    chmodSync(d, 0o500);
    return d;
  }
  try {
    accessSync('/sys', constants.W_OK);
    writeFileSync('/sys/.gatehouse-probe', '');
    return undefined;
  } catch {
    return '/sys';
  }
}

describe('start-up failures: one line, exit code 1', () => {
  let busy: Server;
  let busyPort = 0;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(() => {
    busy.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a data directory that cannot be created (/proc/x) fails at once instead of hanging', async () => {
    const start = Date.now();
    await failsWith({ GATEHOUSE_DATA_DIR: '/proc/gatehouse-x' }, /^gatehouse: cannot create the data directory \/proc\/gatehouse-x \(no such file or directory\): set GATEHOUSE_DATA_DIR/);
    expect(Date.now() - start).toBeLessThan(15_000);
  });

  it('an unwritable data directory', async (t) => {
    const d = unwritableDir();
    if (!d) return t.skip('no unwritable directory on this machine (root, and /sys writable)');
    await failsWith({ GATEHOUSE_DATA_DIR: d }, new RegExp(`^gatehouse: the data directory ${d} is not writable \\((permission denied|read-only file system)\\): set GATEHOUSE_DATA_DIR`));
    // With every key given nothing is generated into it, and the check still catches it.
    await failsWith({ GATEHOUSE_DATA_DIR: d, JWT_SECRET: 'j', GATEHOUSE_SECRET_KEY: 's', SA_WEB_LOGIN_COOKIE_JWT_SIGNINGKEY: 'session-key' }, /is not writable/);
  });

  it('an unopenable SQLite path: not a database, a directory, under /proc', async () => {
    const notDb = join(dir, 'not-a-db.txt');
    writeFileSync(notDb, 'hello, this is not SQLite\n'.repeat(100));
    await failsWith({ DATABASE_URL: `sqlite:${notDb}` }, /^gatehouse: cannot open the SQLite database .*not-a-db\.txt \(the file is not a SQLite database\): check DATABASE_URL$/);
    await failsWith({ DATABASE_URL: `sqlite:${dir}` }, /^gatehouse: cannot open the SQLite database .* \(the file cannot be opened\): check DATABASE_URL$/);
    await failsWith({ DATABASE_URL: 'sqlite:/proc/gatehouse-x/gh.db' }, /^gatehouse: cannot open the SQLite database \/proc\/gatehouse-x\/gh\.db \(cannot create \/proc\/gatehouse-x: no such file or directory\)/);
  });

  it('PostgreSQL on a closed port, without showing the password', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const closed = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const r = await serve({ DATABASE_URL: `postgres://gatehouse:hunter2@127.0.0.1:${closed}/gh` });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`gatehouse: cannot connect to PostgreSQL at 127.0.0.1:${closed}/gh (connection refused: is PostgreSQL running there?): check DATABASE_URL`);
  });

  it('a port in use, on a first start: nothing is created, so the next start still shows the credentials', async () => {
    const fresh = { DATABASE_URL: `sqlite:${join(dir, 'fresh.db')}` };
    await failsWith({ ...fresh, PORT: String(busyPort) }, new RegExp(`^gatehouse: port ${busyPort} on 127\\.0\\.0\\.1 is already in use: stop the other process or set PORT`));
    const child = spawn('node', [CLI, 'serve'], { env: { ...good, ...fresh } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    for (let i = 0; i < 300 && !stderr.includes('client secret'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(stderr).toMatch(/admin password: +\S+/);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('malformed environment values and unknown config-file keys', async () => {
    await failsWith({ TRUST_PROXY: 'maybe' }, /^gatehouse: TRUST_PROXY must be true or false .*not "maybe"$/);
    await failsWith({ PORT: 'eighty' }, /^gatehouse: PORT must be a non-negative number, not "eighty"$/);
    const file = join(dir, 'gatehouse.json');
    writeFileSync(file, JSON.stringify({ publicUrl: 'https://auth.example.com', trustProxi: true }));
    await failsWith({ GATEHOUSE_CONFIG: file }, /^gatehouse: unknown setting "trustProxi" in config file .*gatehouse\.json: did you mean "trustProxy"\?/);
  });

  it('LOG_LEVEL=debug adds the stack traces (the failure and its cause)', async () => {
    const r = await serve({ PORT: String(busyPort), LOG_LEVEL: 'debug' });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toMatch(/already in use/);
    expect(r.stderr).toMatch(/^\s+at /m);
    expect(r.stderr).toContain('EADDRINUSE');
  });
});
