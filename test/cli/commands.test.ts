import { execFile, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { startGatehouse } from '../../src/server.js';

// The CLI as an operator runs it: `node dist/cli.js …` (build first: npx tsc -p tsconfig.build.json).
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-commands-'));
const envFor = (name: string) => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? dir,
  DATABASE_URL: `sqlite:${join(dir, `${name}.db`)}`,
  GATEHOUSE_DATA_DIR: join(dir, 'data'),
  PASSWORD_HASH_MEMORY_KIB: '1024',
  PASSWORD_HASH_ITERATIONS: '1',
  LOG_LEVEL: 'warn',
});
const env = envFor('main');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
function gh(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile('node', [CLI, ...args], { env: opts.env ?? env }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin?.end(opts.input ?? '');
  });
}
const json = async (args: string[], opts: { input?: string; env?: Record<string, string> } = {}) => {
  const r = await gh([...args, '--json'], opts);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown> & Record<string, unknown>[];
};
/** One line on stderr, `gatehouse: …`, and no stack. */
const oneLine = (r: Run) => {
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^gatehouse: /);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  return lines[0] as string;
};
const checkPassword = async (dbEnv: Record<string, string>, username: string, password: string) => {
  const g = await startGatehouse(loadConfig(dbEnv, { logLevel: 'silent' }), pino({ level: 'silent' }));
  try {
    const u = await g.core.accounts.byUsername(username);
    return u ? await g.core.accounts.checkPassword(u, password) : false;
  } finally {
    await g.close();
  }
};

// Each test runs the CLI as a process a dozen times or more (about 0.6 s each on an idle 2-core machine), so a busy machine needs more than the default 30 s.
describe('gatehouse commands', { timeout: 90_000 }, () => {
  beforeAll(async () => {
    expect((await gh(['migrate'])).code).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('every command and subcommand answers --help (and `help <command>`), and the global help lists them all', async () => {
    const global = await gh(['--help']);
    expect(global.code).toBe(0);
    const names = [...global.stdout.matchAll(/^ {2}([a-z0-9-]+(?: [a-z-]+)?) {2,}/gm)].map((m) => m[1] as string);
    for (const n of ['serve', 'migrate', 'user create', 'user list', 'user update', 'user set-password', 'user allow-client', 'user delete', 'client create', 'client list', 'client delete', 'oauth2-client create', 'oauth2-client list', 'oauth2-client delete', 'export users', 'import users']) {
      expect(names).toContain(n);
    }
    const groups = [...new Set(names.filter((n) => n.includes(' ')).map((n) => n.split(' ')[0] as string))];
    const runs = await Promise.all([
      ...names.map(async (n) => ({ n, r: await gh([...n.split(' '), '--help']) })),
      ...groups.map(async (g) => ({ n: g, r: await gh([g, '--help']) })),
      ...['user update', 'oauth2-client'].map(async (n) => ({ n, r: await gh(['help', ...n.split(' ')]) })),
    ]);
    for (const { n, r } of runs) {
      expect(r.code, n).toBe(0);
      expect(r.stdout, n).toMatch(new RegExp(`^gatehouse ${n}( |$)`, 'm'));
      expect(r.stdout, n).toMatch(groups.includes(n) ? /^Commands:/m : /^Options:/m);
    }
    const noArgs = await gh([]);
    expect(noArgs.code).toBe(2);
    expect(noArgs.stderr).toContain('Usage: gatehouse <command>');
  });

  it('usage errors exit 2 and failures exit 1, each with one line (or {"error"} with --json)', async () => {
    const usage: [string[], RegExp][] = [
      [['usr', 'list'], /unknown command "usr" \(did you mean "user"\?\)/],
      [['user', 'lst'], /unknown command "user lst" \(did you mean "user list"\?\)/],
      [['user'], /"user" needs a command: create, list, update/],
      [['user', 'create', '--username', 'x', '--bogus'], /unknown option --bogus \(see gatehouse user create --help\)/],
      [['user', 'create', '--username'], /--username needs a value/],
      [['user', 'create', '--username', 'x'], /a password is required: --password-stdin, --password-file F or --password P/],
      [['user', 'create', '--username', 'x', '--password', 'p', '--password-stdin'], /give only one of --password, --password-stdin/],
      [['user', 'create', '--username', 'x', '--password-file', join(dir, 'nope')], /--password-file .*nope: no such file/],
      [['user', 'update', 'x', '--status', 'sleeping'], /--status must be one of registered, active, inactive, password-change-needed, rejected/],
      [['user', 'update', 'x'], /nothing to change/],
      [['client', 'create', '--client-id', 'c', '--access-token-expiration', '-5'], /--access-token-expiration/],
      [['user', 'list', 'extra'], /unexpected argument "extra"/],
    ];
    const failures: [string[], string][] = [
      [['user', 'delete', 'nobody'], 'gatehouse: no user nobody'],
      [['client', 'delete', 'nothing'], 'gatehouse: no client nothing'],
      [['oauth2-client', 'delete', 'nothing'], 'gatehouse: no OAuth2 client nothing'],
    ];
    const results = await Promise.all([...usage.map(([a]) => gh(a)), ...failures.map(([a]) => gh(a))]);
    usage.forEach(([args, want], i) => {
      const r = results[i] as Run;
      expect(r.code, args.join(' ')).toBe(2);
      expect(oneLine(r)).toMatch(want);
    });
    failures.forEach(([args, want], i) => {
      const r = results[usage.length + i] as Run;
      expect(r.code, args.join(' ')).toBe(1);
      expect(oneLine(r)).toBe(want);
    });
    const asJson = await gh(['user', 'delete', 'nobody', '--json']);
    expect(asJson.code).toBe(1);
    expect(JSON.parse(asJson.stdout)).toEqual({ error: 'no user nobody' });
    const down = await gh(['user', 'list'], { env: { ...env, DATABASE_URL: 'postgres://u:pw@127.0.0.1:1/x' } });
    expect(down.code).toBe(1);
    expect(oneLine(down)).toBe('gatehouse: cannot connect to PostgreSQL at 127.0.0.1:1/x (connection refused: is PostgreSQL running there?): check DATABASE_URL');
  });

  it('passwords and client secrets come from stdin or a file instead of the command line', async () => {
    await json(['user', 'create', '--username', 'stdin-user', '--password-stdin'], { input: 'pw from stdin\n' });
    const file = join(dir, 'pw.txt');
    writeFileSync(file, 'pw from file\r\n');
    await json(['user', 'create', '--username', 'file-user', '--password-file', file]);
    expect(await checkPassword(env, 'stdin-user', 'pw from stdin')).toBe(true);
    expect(await checkPassword(env, 'file-user', 'pw from file')).toBe(true);
    writeFileSync(file, 'the signing secret\n');
    const c = await json(['client', 'create', '--client-id', 'piped', '--client-secret-stdin', '--secret-file', file], { input: 'piped-secret' });
    // Nothing was generated, so nothing secret is printed.
    expect(c).not.toHaveProperty('clientSecret');
    expect(c).not.toHaveProperty('secret');
    const g = await startGatehouse(loadConfig(env, { logLevel: 'silent' }), pino({ level: 'silent' }));
    try {
      expect(await g.core.clients.byClientId('piped')).toMatchObject({ clientSecret: 'piped-secret', secret: 'the signing secret' });
    } finally {
      await g.close();
    }
    const both = await gh(['client', 'create', '--client-id', 'x', '--client-secret-stdin', '--secret-stdin'], { input: 'a' });
    expect(both.code).toBe(2);
    expect(oneLine(both)).toMatch(/cannot both read stdin/);
  });

  it('user update changes email, name, status, roles and password; user list shows status names, roles and clients', async () => {
    await json(['client', 'create', '--client-id', 'web2', '--client-secret', 't']);
    await json(['user', 'create', '--username', 'upd', '--password', 'old-pw', '--email', 'upd@example.com', '--client', 'web2']);
    const pw = join(dir, 'new-pw.txt');
    writeFileSync(pw, 'new-pw\n');
    const r = await json(['user', 'update', 'upd@example.com', '--email', 'new@example.com', '--name', 'Up Dated', '--status', 'password-change-needed', '--role', 'admin', '--password-file', pw]);
    expect(r).toEqual({ id: expect.any(String), username: 'upd', email: 'new@example.com', status: 'password-change-needed', roles: ['admin'], clients: ['web2'], passwordChanged: true });
    expect(await checkPassword(env, 'upd', 'new-pw')).toBe(true);
    const list = (await json(['user', 'list'])) as unknown as { username: string }[];
    expect(list.find((u) => u.username === 'upd')).toEqual({ id: expect.any(String), username: 'upd', email: 'new@example.com', status: 'password-change-needed', roles: ['admin'], clients: ['web2'] });
    const text = await gh(['user', 'list']);
    expect(text.stdout.split('\n')[0]).toMatch(/^id +username +email +status +roles +clients$/);
    expect(text.stdout).toMatch(/upd +new@example\.com +password-change-needed +admin +web2/);
    const unknownRole = await gh(['user', 'update', 'upd', '--role', 'nope']);
    expect(unknownRole.code).toBe(1);
    expect(oneLine(unknownRole)).toBe('gatehouse: unknown role nope');
  });

  it('export users writes a 0600 file (never over an existing one without --force), and import users reads it into another database', async () => {
    const out = join(dir, 'users.jsonl');
    const e = await json(['export', 'users', '--out', out]);
    expect(e).toMatchObject({ exported: expect.any(Number), file: out });
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const again = await gh(['export', 'users', '--out', out]);
    expect(again.code).toBe(2);
    expect(oneLine(again)).toMatch(/exists: remove it, choose another --out or give --force/);
    chmodSync(out, 0o644);
    await json(['export', 'users', '--out', out, '--force']);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const records = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { username: string; password_hash: string });
    expect(records.find((r) => r.username === 'upd')?.password_hash).toMatch(/^\$argon2id\$/);

    const other = envFor('other');
    await gh(['client', 'create', '--client-id', 'web2', '--client-secret', 't'], { env: other });
    await gh(['client', 'create', '--client-id', 'piped', '--client-secret', 't'], { env: other });
    const dry = await json(['import', 'users', out, '--dry-run'], { env: other });
    expect(dry).toEqual({ created: records.length, updated: 0, skipped: 0, dryRun: true });
    const imported = await gh(['import', 'users', out], { env: other });
    expect(imported.stdout.trim()).toBe(`created=${records.length}  updated=0  skipped=0  dryRun=false`);
    // No hash on the terminal, ever.
    expect(imported.stdout + imported.stderr).not.toContain('$argon2');
    expect(await json(['import', 'users', '-'], { env: other, input: readFileSync(out, 'utf8') })).toEqual({ created: 0, updated: 0, skipped: records.length, dryRun: false });
    expect(await checkPassword(other, 'upd', 'new-pw')).toBe(true);
  });

  it('import reports every bad line with its number, writes nothing, and never echoes a hash', async () => {
    const hash = bcrypt.hashSync('legacy-pw', 4);
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, [JSON.stringify({ username: 'legacy', password_hash: hash }), `{"username": "broken", "password_hash": "${hash}"`, JSON.stringify({ username: 'x', password_hash: `${hash}junk` })].join('\n'));
    const r = await gh(['import', 'users', file]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      `gatehouse: ${file}:2: not a JSON object (each line holds one user)`,
      `gatehouse: ${file}:3: password_hash is not an argon2 or bcrypt ($2a$/$2b$/$2y$) hash`,
      'gatehouse: 2 lines cannot be imported; nothing was written',
    ]);
    expect(r.stdout + r.stderr).not.toContain(hash.slice(7));
    expect((await gh(['user', 'delete', 'legacy'])).code).toBe(1);
    writeFileSync(file, JSON.stringify({ username: 'legacy', password_hash: hash.replace('$2b$', '$2y$') }) + '\n');
    expect(await json(['import', 'users', file])).toMatchObject({ created: 1 });
    expect(await checkPassword(env, 'legacy', 'legacy-pw')).toBe(true);
    const missing = await gh(['import', 'users', join(dir, 'missing.jsonl')]);
    expect(missing.code).toBe(2);
    expect(oneLine(missing)).toMatch(/missing\.jsonl: no such file/);
  });

  it('export to a terminal is refused; to a pipe it streams', async (t) => {
    const piped = await gh(['export', 'users']);
    expect(piped.code).toBe(0);
    expect(piped.stdout.trim().split('\n').every((l) => JSON.parse(l) as unknown)).toBe(true);
    expect(piped.stderr).toMatch(/^gatehouse: exported \d+ users\n$/);
    if (spawnSync('script', ['--version']).status !== 0) return t.skip('no script(1) to give the CLI a terminal');
    const tty = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn('script', ['-qec', `node ${CLI} export users`, '/dev/null'], { env });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (code) => resolve({ code, out }));
    });
    expect(tty.code).toBe(2);
    expect(tty.out).toMatch(/refusing to print password hashes to a terminal/);
    expect(tty.out).not.toContain('$argon2');
  });
});
