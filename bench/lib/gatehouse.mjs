// Gatehouse as the bench runs it: built code (dist/), `node dist/cli.js serve`, configured by
// environment only, on the embedded default (SQLite, WAL) with the production hash parameters.
// Stores are prepared with the CLI (migrate, client create) and then seeded with plain SQL.
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { freePort, runNode, startNode } from './proc.mjs';
import * as simple from './simple.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const rootRequire = createRequire(join(ROOT, 'package.json'));
const CLI = join(ROOT, 'dist', 'cli.js');

export const PASSWORD = 'bench-Passw0rd!';
export const CLIENT = { clientId: 'bench', clientSecret: 'bench-client-secret', secret: 'bench-code-signing-secret', redirectUrl: 'http://localhost/cb' };
const SECRETS = { JWT_SECRET: 'bench-jwt-secret-0123456789abcdef', GATEHOUSE_SECRET_KEY: 'bench-secret-key-0123456789abcdef', JWT_ISSUER: 'gatehouse' };

/**
 * Where a store directory's database lives: SQLite in the directory (the default), or the
 * PostgreSQL database (and Redis) registered for it with `useDatabase` (bench/lib/cluster.mjs
 * creates and drops those).
 */
const external = new Map();
export function useDatabase(dir, { databaseUrl, redisUrl, redisPrefix } = {}) {
  external.set(dir, { databaseUrl, redisUrl, redisPrefix });
}
export const databaseUrlOf = (dir) => external.get(dir)?.databaseUrl ?? `sqlite:${join(dir, 'gatehouse.db')}`;

/** Environment of every Gatehouse process of one store directory. */
export function envFor(dir) {
  const configFile = join(dir, 'gatehouse.json');
  writeFileSync(configFile, JSON.stringify(simple.configFile(), null, 2));
  const ext = external.get(dir);
  return {
    ...SECRETS,
    DATABASE_URL: databaseUrlOf(dir),
    ...(ext?.redisUrl ? { REDIS_URL: ext.redisUrl, REDIS_PREFIX: ext.redisPrefix } : {}),
    GATEHOUSE_DATA_DIR: dir,
    GATEHOUSE_CONFIG: configFile,
    GATEHOUSE_ADMIN_PASSWORD: PASSWORD,
    HOST: '127.0.0.1',
    // No per-request log lines (the peers and the bare route write none either); warnings still show.
    LOG_LEVEL: 'warn',
    ...simple.env(),
  };
}

let hashCache;
/** One argon2id hash of PASSWORD with the production parameters (Gatehouse's defaults), reused by every seeded user. */
async function productionHash() {
  if (!hashCache) {
    const { hash } = rootRequire('@node-rs/argon2');
    hashCache = await hash(PASSWORD, { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 });
  }
  return hashCache;
}

export const username = (i) => `user${i}`;

/**
 * A store with `users` users (user0…), all allowed on the client `bench`, all with PASSWORD,
 * role `user`, in the default tenant; and `sessions` live ARC sessions (refresh-token families),
 * spread over the users, whose refresh tokens and paired access tokens are returned.
 */
export async function prepareStore(dir, { users, sessions = 0, log = () => {} }) {
  const env = envFor(dir);
  runNode([CLI, 'migrate'], { env, cwd: dir });
  // The CLI's core seeds the default tenant and the built-in roles on the way.
  runNode([CLI, 'client', 'create', '--client-id', CLIENT.clientId, '--client-secret', CLIENT.clientSecret, '--secret', CLIENT.secret, '--redirect-url', CLIENT.redirectUrl], { env, cwd: dir });
  if (env.DATABASE_URL.startsWith('postgres')) return prepareStorePg(env.DATABASE_URL, { users, sessions, log, env });
  const Database = rootRequire('better-sqlite3');
  const db = new Database(join(dir, 'gatehouse.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const one = (q, ...a) => db.prepare(q).get(...a);
  const groupId = one(`select id from groups where key = 'default'`).id;
  const roleId = one(`select id from roles where slug = 'user'`).id;
  const clientId = one(`select id from clients where client_id = ? and deleted_at is null`, CLIENT.clientId).id;
  const hash = await productionHash();
  const now = Date.now();
  const insUser = db.prepare(
    `insert into users (uuid, username, username_norm, email, email_norm, first_name, last_name, status, default_group_id, created_at, updated_at)
     values (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`,
  );
  const insCred = db.prepare(`insert into credentials (user_id, password_hash, password_changed_at) values (?, ?, ?)`);
  const insUg = db.prepare(`insert into user_groups (uuid, user_id, group_id) values (?, ?, ?)`);
  // Since migration 0005 (Feathers) a member's role is a record of its own, with its times.
  const ugrTimed = db.prepare(`select 1 from pragma_table_info('user_group_roles') where name = 'created_at'`).get() !== undefined;
  const insUgr = ugrTimed
    ? db.prepare(`insert into user_group_roles (user_group_id, role_id, created_at, updated_at) values (?, ?, ?, ?)`)
    : db.prepare(`insert into user_group_roles (user_group_id, role_id) values (?, ?)`);
  const insUc = db.prepare(`insert into user_clients (user_id, client_id) values (?, ?)`);
  const userIds = new Int32Array(users);
  const uuids = [];
  const batch = db.transaction((from, to) => {
    for (let i = from; i < to; i++) {
      const name = username(i);
      const uuid = randomUUID();
      const id = Number(insUser.run(uuid, name, name, `${name}@bench.test`, `${name}@bench.test`, 'Bench', `User ${i}`, groupId, now, now).lastInsertRowid);
      userIds[i] = id;
      if (i < sessions || i < 64) uuids[i] = uuid;
      insCred.run(id, hash, now);
      const ug = Number(insUg.run(randomUUID(), id, groupId).lastInsertRowid);
      if (ugrTimed) insUgr.run(ug, roleId, now, now);
      else insUgr.run(ug, roleId);
      insUc.run(id, clientId);
    }
  });
  const t0 = Date.now();
  for (let i = 0; i < users; i += 20_000) batch(i, Math.min(users, i + 20_000));
  log(`seeded ${users} users in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const pairs = [];
  if (sessions > 0) {
    const { sha256 } = await import(pathToFileURL(join(ROOT, 'dist/core/util/crypto.js')).href);
    const { signHs256 } = await import(pathToFileURL(join(ROOT, 'dist/core/tokens/jwt.js')).href);
    const insSession = db.prepare(
      `insert into sessions (uuid, user_id, client_id, kind, source, created_at, last_used_at, expires_at) values (?, ?, ?, 'arc', 'password', ?, ?, ?)`,
    );
    const insRt = db.prepare(`insert into refresh_tokens (hash, session_id, access_sig, access_exp, created_at, expires_at) values (?, ?, ?, ?, ?, ?)`);
    const iat = Math.floor(now / 1000);
    const seedSessions = db.transaction((from, to) => {
      for (let i = from; i < to; i++) {
        const u = i % users;
        const refreshToken = createHash('sha256').update(`bench-refresh-${i}-${now}`).digest('hex');
        const accessToken = signHs256(
          { id: uuids[u] ?? `seeded-${u}`, username: username(u), permissions: [], iat, exp: iat + 900, jti: `s${i}`, iss: SECRETS.JWT_ISSUER },
          SECRETS.JWT_SECRET,
        );
        const sig = accessToken.slice(accessToken.lastIndexOf('.') + 1);
        const sid = Number(insSession.run(randomUUID(), userIds[u], clientId, now, now, now + 86_400_000).lastInsertRowid);
        insRt.run(sha256(refreshToken), sid, sha256(sig), (iat + 900) * 1000, now, now + 86_400_000);
        pairs.push({ accessToken, refreshToken });
      }
    });
    const t1 = Date.now();
    for (let i = 0; i < sessions; i += 20_000) seedSessions(i, Math.min(sessions, i + 20_000));
    log(`seeded ${sessions} sessions in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { env, pairs };
}

/**
 * The same store on PostgreSQL: users seeded set-wise (generate_series) with the same columns,
 * hash, role, tenant and client as on SQLite. Sessions are not seeded here (the memory phase,
 * the only one that needs them, runs on SQLite).
 */
async function prepareStorePg(url, { users, sessions, log, env }) {
  if (sessions > 0) throw new Error('seeded sessions are SQLite-only');
  const pg = rootRequire('pg');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const one = async (q, a = []) => (await c.query(q, a)).rows[0];
    const groupId = (await one(`select id from groups where key = 'default'`)).id;
    const roleId = (await one(`select id from roles where slug = 'user'`)).id;
    const clientId = (await one(`select id from clients where client_id = $1 and deleted_at is null`, [CLIENT.clientId])).id;
    const hash = await productionHash();
    const now = Date.now();
    const t0 = Date.now();
    await c.query('begin');
    await c.query(
      `insert into users (uuid, username, username_norm, email, email_norm, first_name, last_name, status, default_group_id, created_at, updated_at)
       select gen_random_uuid()::text, 'user' || i, 'user' || i, 'user' || i || '@bench.test', 'user' || i || '@bench.test', 'Bench', 'User ' || i, 1, $1, $2, $2
       from generate_series(0, $3 - 1) i order by i`,
      [groupId, now, users],
    );
    const seeded = `select id from users where username ~ '^user[0-9]+$' and deleted_at is null`;
    await c.query(`insert into credentials (user_id, password_hash, password_changed_at) select id, $1, $2 from (${seeded}) u`, [hash, now]);
    await c.query(`insert into user_groups (uuid, user_id, group_id) select gen_random_uuid()::text, id, $1 from (${seeded}) u`, [groupId]);
    const ugrTimed = (await one(`select 1 as x from information_schema.columns where table_name = 'user_group_roles' and column_name = 'created_at'`)) !== undefined;
    await c.query(
      ugrTimed
        ? `insert into user_group_roles (user_group_id, role_id, created_at, updated_at) select ug.id, $1, $3, $3 from user_groups ug join (${seeded}) u on u.id = ug.user_id where ug.group_id = $2`
        : `insert into user_group_roles (user_group_id, role_id) select ug.id, $1 from user_groups ug join (${seeded}) u on u.id = ug.user_id where ug.group_id = $2`,
      ugrTimed ? [roleId, groupId, now] : [roleId, groupId],
    );
    await c.query(`insert into user_clients (user_id, client_id) select id, $1 from (${seeded}) u`, [clientId]);
    await c.query('commit');
    await c.query('analyze');
    log(`seeded ${users} users on PostgreSQL in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    await c.end();
  }
  return { env, pairs: [] };
}

/** Starts `node dist/cli.js serve` on a free loopback port. `nodeArgs` go before the script (e.g. --cpu-prof). */
export async function startServer(dir, { nodeArgs = [], readyTimeoutMs = 120_000, env: extra = {} } = {}) {
  const port = await freePort();
  const env = { ...envFor(dir), PORT: String(port), ...extra };
  return startNode([...nodeArgs, CLI, 'serve'], { env, port, cwd: dir, name: 'gatehouse', readyTimeoutMs });
}

async function post(url, path, body, headers = {}) {
  const r = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  const text = await r.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, body: json, text, headers: r.headers };
}

export const loginBody = (i) => ({ client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, username: username(i), password: PASSWORD });

/** ARC one-step sign-in of user i: {accessToken, refreshToken}. */
export async function login(url, i) {
  const r = await post(url, '/auth/login-token', loginBody(i));
  if (r.status !== 200) throw new Error(`login-token for ${username(i)} answered ${r.status}: ${r.text}`);
  return { accessToken: r.body.accessToken, refreshToken: r.body.refreshToken };
}

/** `n` fresh pairs, signed in a few at a time (each sign-in is one argon2id verify). */
export async function loginMany(url, n, offset = 0) {
  const out = [];
  for (let i = 0; i < n; i += 4) {
    const chunk = await Promise.all(Array.from({ length: Math.min(4, n - i) }, (_, k) => login(url, offset + i + k)));
    out.push(...chunk);
  }
  return out;
}

export { post };
