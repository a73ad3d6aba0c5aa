#!/usr/bin/env node
// Gatehouse benchmarks: `npm run bench` (from the repository root) measures Gatehouse against its
// ceilings (a bare Fastify route; the raw argon2id verify rate; a bare socket.io echo) and against
// peers (better-auth, Feathers) in one run and prints one table; the table also goes to
// bench/results/ as JSON.
//
//   node bench/run.mjs [--smoke] [--quick] [--connections N] [--warmup S] [--duration S]
//                      [--only ceilings,gatehouse,feathers,memory,scale,peers] [--profile] [--out FILE]
//
// --smoke   a few seconds: the bare route and the bearer check only, root dependencies only
//           (the smoke test in test/bench/smoke.test.ts runs this).
// --quick   shorter windows, 100,000 instead of 1,000,000 users for the scale rows.
// --profile runs the Gatehouse servers under `node --cpu-prof` (profiles in bench/results/profiles/).
// The phase `feathers` is Gatehouse's Feathers dialect (REST sign-in, GET /users/:id, socket.io
// calls); its peer rows come with `peers`, its socket.io ceiling with `ceilings`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, freemem, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { distIsStale } from './lib/build.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BENCH = join(ROOT, 'bench');

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    connections: { type: 'string' },
    warmup: { type: 'string' },
    duration: { type: 'string' },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    out: { type: 'string' },
    'no-install': { type: 'boolean', default: false },
  },
});

const log = (...m) => process.stderr.write(`[bench] ${m.join(' ')}\n`);

// ---------------------------------------------------------------------------------------------
// Preparation: build dist/ when stale, install bench/'s peers when missing (not in smoke mode).

function sh(cmd, cmdArgs, cwd = ROOT) {
  log(`$ ${cmd} ${cmdArgs.join(' ')}`);
  const r = spawnSync(cmd, cmdArgs, { cwd, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) throw new Error(`${cmd} ${cmdArgs.join(' ')} failed (${r.status ?? r.signal})`);
}

function prepare() {
  if (!existsSync(join(ROOT, 'node_modules', '.package-lock.json'))) sh('npm', ['ci']);
  // The smoke test runs after `npm test` built dist/; only the full bench rebuilds a stale one.
  if (!existsSync(join(ROOT, 'dist', 'cli.js')) || (!args.smoke && distIsStale(ROOT))) sh('npm', ['run', 'build']);
  if (args.smoke || args['no-install']) return;
  const marker = join(BENCH, 'node_modules', '.package-lock.json');
  const lock = join(BENCH, 'package-lock.json');
  if (!existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs)) {
    sh('npm', existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'], BENCH);
  }
}

prepare();

const { runLoad, leasePool, generator } = await import('./lib/load.mjs');
const { startNode, freePort, sleep, runNodeJson } = await import('./lib/proc.mjs');
const gh = await import('./lib/gatehouse.mjs');
const simple = await import('./lib/simple.mjs');
const { render } = await import('./lib/table.mjs');
const fx = await import('./lib/feathers.mjs');
const { clientVersion: socketClientVersion } = await import('./lib/socketio.mjs');

// ---------------------------------------------------------------------------------------------
// Settings

const smoke = args.smoke;
const quick = args.quick;
const S = {
  connections: Number(args.connections ?? (smoke ? 4 : 10)),
  warmup: Number(args.warmup ?? (smoke ? 1 : quick ? 2 : 5)),
  duration: Number(args.duration ?? (smoke ? 2 : quick ? 4 : 10)),
  hashSeconds: smoke ? 2 : quick ? 4 : 10,
  users: smoke ? 100 : 10_000,
  bigUsers: quick ? 100_000 : 1_000_000,
  sessions: quick ? 20_000 : 100_000,
  // socket.io scenarios: one connection per signed-in user, each with this many calls outstanding.
  sockets: 10,
  inFlight: 4,
};
const ALL_PHASES = 'ceilings,gatehouse,feathers,memory,scale,peers';
const phases = new Set((args.only ?? (smoke ? 'ceilings,gatehouse' : ALL_PHASES)).split(','));
const command = smoke ? 'node bench/run.mjs --smoke' : `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`;
const profileDir = join(BENCH, 'results', 'profiles');
const nodeArgs = args.profile ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
if (args.profile) mkdirSync(profileDir, { recursive: true });

const cpu = cpus();
const results = {
  date: new Date().toISOString(),
  command,
  machine: {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${process.platform} ${release()}`,
    summary: `${cpu[0]?.model ?? 'cpu'} × ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB (${Math.round(freemem() / 2 ** 30)} free), Node ${process.version}, ${process.platform} ${release()}`,
  },
  settings: {
    ...S,
    generator: generator(),
    summary: `${generator()}, ${S.connections} connections, ${S.warmup} s warm-up + ${S.duration} s measured per scenario; hash rates over ${S.hashSeconds} s with ${S.connections} verifies in flight; socket.io: socket.io-client ${socketClientVersion()} (websocket), ${S.sockets} connections × ${S.inFlight} calls in flight; Gatehouse: node dist/cli.js serve, SQLite (WAL), argon2id m=19456,t=2,p=1, LOG_LEVEL=warn`,
  },
  rows: [],
  memory: undefined,
  scale: undefined,
  notes: [],
};

const TMP = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
const cleanups = [];
async function cleanup() {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  rmSync(TMP, { recursive: true, force: true });
}
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

/** Warm-up, then the measured window. `before` runs before each (fresh refresh pairs, …). */
async function measure(url, makeRequests, { perOp = 1, before, connections = S.connections, verify } = {}) {
  if (before) await before();
  await runLoad({ url, requests: makeRequests(), connections, seconds: S.warmup, perOp });
  if (before) await before();
  const r = await runLoad({ url, requests: makeRequests(), connections, seconds: S.duration, perOp });
  if (verify) await verify(r);
  return r;
}

const ROW_DEFAULTS = { status: 'ok', rate: null, p50: null, p99: null, errors: null, ratio: null, ceilingName: null, verdict: '' };
function row(r) {
  const full = { ...ROW_DEFAULTS, ...r };
  results.rows.push(full);
  const shown = full.status === 'ok' ? `${full.rate?.toFixed(1)} ops/s p50 ${full.p50?.toFixed(2)} ms p99 ${full.p99?.toFixed(2)} ms errors ${full.errors}` : full.status;
  log(`${full.label} / ${full.system}: ${shown}`);
  return full;
}

async function server(name, start) {
  const s = await start();
  cleanups.push(() => s.stop());
  return {
    ...s,
    async stop() {
      const i = cleanups.indexOf(s.stop);
      await s.stop();
      if (i >= 0) cleanups.splice(i, 1);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Request builders (autocannon `requests` arrays)

const json = { 'content-type': 'application/json' };

const bearerRequests = (token) => () => [{ method: 'GET', path: '/auth/me', headers: { authorization: `Bearer ${token}` } }];

/** Every request rotates the pair the previous rotation of that chain returned. */
function refreshRequests(pool) {
  return () => [
    {
      method: 'POST',
      path: '/auth/token-refresh',
      headers: json,
      setupRequest(req, ctx) {
        const p = pool.take();
        ctx.p = p;
        req.headers = { ...req.headers, authorization: `Bearer ${p?.accessToken ?? 'none'}` };
        req.body = JSON.stringify({ refreshToken: p?.refreshToken ?? 'f'.repeat(64) });
        return req;
      },
      onResponse(status, body) {
        if (status !== 200) return;
        const b = JSON.parse(body);
        pool.give({ accessToken: b.accessToken, refreshToken: b.refreshToken });
      },
    },
  ];
}

/** Sign-ins of distinct users (one user is never signed in twice at once: per-account throttling reserves a slot per attempt). */
function leasedLogin(path, bodyOf, names) {
  return () => {
    const pool = leasePool(names);
    return [
      {
        method: 'POST',
        path,
        headers: json,
        setupRequest(req, ctx) {
          ctx.u = pool.take();
          req.body = JSON.stringify(bodyOf(ctx.u));
          return req;
        },
        onResponse(_s, _b, ctx) {
          if (ctx.u !== undefined) pool.give(ctx.u);
        },
      },
    ];
  };
}

function webFlowRequests(names) {
  return () => {
    const pool = leasePool(names);
    return [
      {
        method: 'POST',
        path: '/auth/login',
        headers: json,
        setupRequest(req, ctx) {
          ctx.u = pool.take();
          req.body = JSON.stringify(gh.loginBody(ctx.u));
          return req;
        },
        onResponse(status, body, ctx) {
          if (ctx.u !== undefined) pool.give(ctx.u);
          if (status === 200) ctx.code = JSON.parse(body).code;
        },
      },
      {
        method: 'POST',
        path: '/auth/token',
        headers: json,
        setupRequest(req, ctx) {
          if (!ctx.code) return null;
          req.body = JSON.stringify({ clientId: gh.CLIENT.clientId, code: ctx.code });
          return req;
        },
      },
    ];
  };
}

const range = (from, n) => Array.from({ length: n }, (_, i) => from + i);

// HTTP scenarios pin the server to the last core and this process (the load generator) to the
// others, so the two never share a core; password scenarios let the server use every core (its
// hashes run on the thread pool), as the raw hash rates do.
const CORES = cpus().length;
const canPin = CORES >= 2 && process.platform === 'linux' && spawnSync('taskset', ['-V']).status === 0;
const pin = (pid, list) => canPin && spawnSync('taskset', ['-a', '-p', '-c', list, String(pid)], { stdio: 'ignore' }).status === 0;
function httpMode(srv) {
  pin(srv.pid, String(CORES - 1));
  pin(process.pid, `0-${CORES - 2}`);
}
function freeMode(srv) {
  pin(srv.pid, `0-${CORES - 1}`);
  pin(process.pid, `0-${CORES - 1}`);
}

// ---------------------------------------------------------------------------------------------
// Phases

let bareRate = null;
const hashRates = {};

/** The bare route: the ceiling of every HTTP scenario. Measured twice a run (first and after Gatehouse's scenarios); the table uses the mean. */
const bareSamples = [];
async function measureBare() {
  const port = await freePort();
  const bare = await server('bare', () => startNode([join(BENCH, 'servers', 'bare.mjs')], { env: { PORT: String(port) }, port, name: 'bare fastify' }));
  httpMode(bare);
  const r = await measure(bare.url, () => [{ method: 'GET', path: '/hello' }]);
  freeMode(bare);
  await bare.stop();
  bareSamples.push(r);
  log(`bare route sample: ${r.rate.toFixed(0)} ops/s`);
}

/** The raw argon2id verify rate: the ceiling of a password login. Also sampled twice. */
const hashSamples = [];
function measureHash() {
  const h = runNodeJson([join(BENCH, 'servers', 'hashrate.mjs'), 'argon2id', String(S.hashSeconds), String(S.connections), '19456', '2', '1']);
  hashSamples.push(h);
  hashRates.gatehouse = { ...h, rate: hashSamples.reduce((a, x) => a + x.rate, 0) / hashSamples.length };
  log(`argon2id sample: ${h.rate.toFixed(1)} verifies/s`);
}

/** A bare socket.io server acknowledging `get` at once: the ceiling of a socket.io service call. Sampled twice too. */
const sioSamples = [];
async function measureSioBare() {
  const port = await freePort();
  const srv = await server('socket.io echo', () => startNode([join(BENCH, 'servers', 'bare-socketio.mjs')], { env: { PORT: String(port) }, port, name: 'bare socket.io' }));
  httpMode(srv);
  try {
    const r = await fx.measureSockets({ url: srv.url, connections: S.sockets, inFlight: S.inFlight, warmup: S.warmup, duration: S.duration, serverPid: srv.pid });
    sioSamples.push(r);
    log(`socket.io echo sample: ${r.rate.toFixed(0)} calls/s (server ${cpuNote(r)})`);
  } finally {
    freeMode(srv);
    await srv.stop();
  }
}
const cpuNote = (r) => `CPU: server ${r.serverCpu === null ? '?' : Math.round(r.serverCpu * 100) + '%'}, load generator ${Math.round(r.clientCpu * 100)}% of a core`;

async function ceilings() {
  await measureBare();
  if (smoke) return;
  measureHash();
  await measureSioBare();
}

/** Bearer check and refresh on a running Gatehouse (pinned for the duration). */
async function tokenScenarios(srv, { firstUser = 0 } = {}) {
  const url = srv.url;
  const { accessToken } = await gh.login(url, firstUser);
  httpMode(srv);
  try {
    const bearer = await measure(url, bearerRequests(accessToken));
    let pool;
    const refresh = await measure(url, refreshRequests({ take: () => pool.take(), give: (p) => pool.give(p) }), {
      before: async () => {
        pool = leasePool(await gh.loginMany(url, S.connections, firstUser + 1));
      },
    });
    return { bearer, refresh };
  } finally {
    freeMode(srv);
  }
}

const TARGETS = { bearer: 0.6, vouch: 0.6, introspect: 0.4, refresh: 0.25, login: 0.85, 'feathers-get': 0.6, 'feathers-login': 0.85 };
const verdict = (ratio, target) => (ratio === null || ratio === undefined || target === undefined ? '' : `≥${Math.round(target * 100)}% ${ratio >= target ? 'met' : 'MISSED'}`);
const gatehouseRows = {};
const gatehouseDir = join(TMP, 'gh-10k');

async function gatehousePhase() {
  mkdirSync(gatehouseDir);
  await gh.prepareStore(gatehouseDir, { users: S.users, log });
  const srv = await server('gatehouse', () => gh.startServer(gatehouseDir, { nodeArgs }));
  await sleep(2000);
  const idleRss = srv.rss();
  results.idleRss = idleRss;
  log(`gatehouse idle RSS ${(idleRss / 1048576).toFixed(1)} MiB`);

  const { bearer, refresh } = await tokenScenarios(srv);
  gatehouseRows.bearer = row({ group: 'bearer', id: 'bearer', label: 'bearer check', system: 'gatehouse', operation: 'GET /auth/me (ARC, Bearer)', ...bearer, ceilingName: 'bare', target: TARGETS.bearer });
  if (smoke) {
    await srv.stop();
    return;
  }

  // forward-auth and introspection: the simple dialect, when the server has it.
  for (const sc of [
    {
      id: 'vouch',
      label: 'forward-auth',
      operation: `GET ${simple.PATHS.vouch} (cookie)`,
      setup: async () => simple.vouchRequest(await simple.sessionCookie(srv.url, gh.username(30), gh.PASSWORD)),
    },
    {
      id: 'introspect',
      label: 'introspection',
      operation: `POST ${simple.PATHS.tokenInfo}`,
      setup: async () => simple.tokenInfoRequest(await simple.accessToken(srv.url, gh.username(31), gh.PASSWORD)),
    },
  ]) {
    let req;
    try {
      req = await sc.setup();
    } catch (e) {
      const na = e instanceof simple.NotAvailable;
      gatehouseRows[sc.id] = row({ group: sc.id, id: sc.id, label: sc.label, system: 'gatehouse', operation: sc.operation, status: na ? 'not available' : 'failed', reason: e.message, verdict: na ? 'simple dialect not built yet' : 'setup failed' });
      if (!na) results.notes.push(`${sc.label}: ${e.message}`);
      continue;
    }
    httpMode(srv);
    const r = await measure(srv.url, () => [{ ...req }]);
    freeMode(srv);
    gatehouseRows[sc.id] = row({ group: sc.id, id: sc.id, label: sc.label, system: 'gatehouse', operation: sc.operation, ...r, ceilingName: 'bare', target: TARGETS[sc.id] });
  }

  gatehouseRows.refresh = row({ group: 'refresh', id: 'refresh', label: 'refresh (rotation)', system: 'gatehouse', operation: 'POST /auth/token-refresh (ARC)', ...refresh, ceilingName: 'bare', target: TARGETS.refresh });

  const hash = hashRates.gatehouse?.rate ?? null;
  const login = await measure(srv.url, leasedLogin('/auth/login-token', gh.loginBody, range(100, S.connections * 2)));
  gatehouseRows.login = row({ group: 'login', id: 'login', label: 'password login', system: 'gatehouse', operation: 'POST /auth/login-token (ARC)', ...login, ratio: hash ? login.rate / hash : null, ceilingName: 'argon2id', target: TARGETS.login });
  const web = await measure(srv.url, webFlowRequests(range(200, S.connections * 2)), { perOp: 2 });
  gatehouseRows.webflow = row({ group: 'webflow', id: 'webflow', label: 'web flow', system: 'gatehouse', operation: 'POST /auth/login + POST /auth/token (ARC)', ...web, ratio: hash ? web.rate / hash : null, ceilingName: 'argon2id' });
  await srv.stop();
}

/**
 * Gatehouse's Feathers dialect, on the 10,000-user store: `POST /authentication` (local, email),
 * a user's `GET /users/<own id>` with its access token, and the same `get` over socket.io on
 * signed-in connections. Users 300… sign in, 40 reads, 400… hold the sockets.
 */
async function feathersPhase() {
  if (!existsSync(join(gatehouseDir, 'gatehouse.db'))) {
    mkdirSync(gatehouseDir, { recursive: true });
    await gh.prepareStore(gatehouseDir, { users: S.users, log });
  }
  const srv = await server('gatehouse', () => gh.startServer(gatehouseDir, { nodeArgs }));
  const body = (i) => ({ strategy: 'local', email: `${gh.username(i)}@bench.test`, password: gh.PASSWORD });
  const hash = hashRates.gatehouse?.rate ?? null;
  const login = await measure(srv.url, leasedLogin('/authentication', body, range(300, S.connections * 2)));
  gatehouseRows['feathers-login'] = row({ group: 'f-login', id: 'feathers-login', label: 'Feathers login', system: 'gatehouse', operation: 'POST /authentication (Feathers, local, email)', ...login, ratio: hash ? login.rate / hash : null, ceilingName: 'argon2id', target: TARGETS['feathers-login'] });

  const reader = await fx.signIn(srv.url, body(40));
  httpMode(srv);
  try {
    const get = await measure(srv.url, () => [fx.getOwnRecord(reader)]);
    gatehouseRows['feathers-get'] = row({ group: 'f-get', id: 'feathers-get', label: 'Feathers users get', system: 'gatehouse', operation: 'GET /users/:id (Feathers, Bearer, own record)', ...get, ceilingName: 'bare', target: TARGETS['feathers-get'] });
  } finally {
    freeMode(srv);
  }

  const auths = await fx.signInMany(srv.url, range(400, S.sockets).map(body));
  httpMode(srv);
  try {
    const sock = await fx.measureSockets({ url: srv.url, auths, inFlight: S.inFlight, warmup: S.warmup, duration: S.duration, serverPid: srv.pid });
    log(`gatehouse socket.io get: ${cpuNote(sock)}`);
    gatehouseRows['feathers-socket'] = row({ group: 'f-socket', id: 'feathers-socket', label: 'Feathers socket get', system: 'gatehouse', operation: "socket.io emit('get', 'users', own id) (Feathers, signed in)", ...sock, ceilingName: 'socket.io echo' });
  } finally {
    freeMode(srv);
  }
  await srv.stop();
}

async function memoryPhase() {
  const dir = join(TMP, 'gh-mem');
  mkdirSync(dir);
  const m = { sessions: S.sessions, idleRss: results.idleRss ?? null };
  results.memory = m;
  const { pairs } = await gh.prepareStore(dir, { users: S.users, sessions: S.sessions, log });
  let srv = await server('gatehouse', () => gh.startServer(dir, { nodeArgs }));
  await sleep(2000);
  m.startedRss = srv.rss();
  if (m.idleRss === null) m.idleRss = m.startedRss;
  // Serve every session: one rotation each (a real request through the whole refresh path).
  const pool = leasePool(pairs);
  const t0 = Date.now();
  let done = 0;
  while (pool.size() > 0 && Date.now() - t0 < 600_000) {
    const r = await runLoad({ url: srv.url, requests: refreshRequests({ take: () => pool.take(), give: () => undefined })(), connections: S.connections, seconds: 5 });
    done += r.ok;
    if (r.errors > 0) m.errors = (m.errors ?? 0) + r.errors;
  }
  m.refreshed = done;
  m.refreshSeconds = (Date.now() - t0) / 1000;
  log(`memory: refreshed ${done} of ${S.sessions} sessions in ${m.refreshSeconds.toFixed(1)} s`);
  await sleep(5000); // idle a moment, as for the idle figure
  m.servedRss = srv.rss();
  await srv.stop();
  srv = await server('gatehouse', () => gh.startServer(dir, { nodeArgs }));
  await sleep(2000);
  m.restartedRss = srv.rss();
  await srv.stop();
  m.revocations = done;
  m.perSession = (m.servedRss - m.idleRss) / S.sessions;
  m.target = 2048;
  m.verdict = `<2 KiB ${m.perSession < 2048 ? 'met' : 'MISSED'}`;
  log(`memory: idle ${m.idleRss} started ${m.startedRss} served ${m.servedRss} restarted ${m.restartedRss} → ${m.perSession.toFixed(0)} B/session`);
}

/**
 * The same two scenarios on the 10,000-user store and on a store with S.bigUsers users, back to
 * back (fresh servers, after the big store was written and synced), so that only the store differs.
 */
async function scalePhase() {
  const dir = join(TMP, 'gh-big');
  mkdirSync(dir);
  const scale = (results.scale = { users: S.bigUsers, rows: [], stores: {} });
  await gh.prepareStore(dir, { users: S.bigUsers, log });
  spawnSync('sync');
  await sleep(3000);
  // Both servers stay up and are measured in turn twice (small, big, small, big), each rate the
  // mean of its two samples: a single back-to-back pair moved by up to 20 % between runs.
  const servers = {};
  for (const [name, d, n] of [['small', gatehouseDir, S.users], ['big', dir, S.bigUsers]]) {
    const t0 = Date.now();
    const srv = await server('gatehouse', () => gh.startServer(d, { nodeArgs, readyTimeoutMs: 300_000 }));
    const startSeconds = (Date.now() - t0) / 1000;
    await sleep(2000);
    servers[name] = { srv, n };
    scale.stores[name] = { users: n, startSeconds, rss: srv.rss() };
  }
  const samples = { small: [], big: [] };
  for (let round = 0; round < 2; round++) {
    for (const name of ['small', 'big']) {
      const { srv, n } = servers[name];
      // Users from the far end of the table, so the lookups are not all in the first pages.
      const r = await tokenScenarios(srv, { firstUser: n - S.connections - 1 });
      samples[name].push(r);
      log(`scale (${n} users) sample ${round + 1}: bearer ${r.bearer.rate.toFixed(0)}/s, refresh ${r.refresh.rate.toFixed(0)}/s`);
    }
  }
  const mean = (list) => ({ ...list[0], rate: list.reduce((t, x) => t + x.rate, 0) / list.length, samples: list.map((x) => x.rate) });
  const runs = {};
  for (const name of ['small', 'big']) {
    runs[name] = { bearer: mean(samples[name].map((x) => x.bearer)), refresh: mean(samples[name].map((x) => x.refresh)) };
    await servers[name].srv.stop();
    const st = scale.stores[name];
    log(`scale (${st.users} users): started in ${st.startSeconds.toFixed(1)} s, RSS ${(st.rss / 1048576).toFixed(0)} MiB, bearer ${runs[name].bearer.rate.toFixed(0)}/s, refresh ${runs[name].refresh.rate.toFixed(0)}/s (means of two)`);
  }
  for (const id of ['bearer', 'refresh']) {
    const a = runs.small[id];
    const b = runs.big[id];
    const ratio = b.rate / a.rate;
    scale.rows.push({ id, label: id === 'bearer' ? 'bearer check' : 'refresh (rotation)', rate10k: a.rate, rate1m: b.rate, ratio, small: a, big: b, verdict: id === 'bearer' ? `within 10% ${ratio >= 0.9 ? 'met' : 'MISSED'}` : '' });
  }
}

async function peersPhase() {
  // better-auth
  {
    const dir = join(TMP, 'better-auth');
    mkdirSync(dir);
    const port = await freePort();
    const users = S.connections * 2 + 2;
    const srv = await server('better-auth', () =>
      startNode([join(BENCH, 'peers', 'better-auth.mjs')], { env: { PORT: String(port), DB: join(dir, 'ba.db'), USERS: String(users), PASSWORD: gh.PASSWORD, NODE_ENV: 'production' }, port, name: 'better-auth', readyTimeoutMs: 120_000 }),
    );
    const email = (i) => `bench${i}@bench.test`;
    // Node's fetch sends Sec-Fetch-* headers, on which better-auth requires an Origin (autocannon sends neither).
    const signIn = await fetch(srv.url + '/api/auth/sign-in/email', { method: 'POST', headers: { ...json, origin: srv.url }, body: JSON.stringify({ email: email(users - 1), password: gh.PASSWORD }) });
    const cookie = signIn.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.includes('session_token'));
    if (!cookie) throw new Error(`better-auth sign-in gave no session cookie (${signIn.status})`);
    httpMode(srv);
    const get = await measure(srv.url, () => [{ method: 'GET', path: '/api/auth/get-session', headers: { cookie } }]);
    freeMode(srv);
    row({ group: 'bearer', id: 'ba-session', label: 'bearer check / forward-auth', system: 'better-auth', operation: 'GET /api/auth/get-session (cookie)', ...get, ceilingName: 'bare' });
    const hash = runNodeJson([join(BENCH, 'servers', 'hashrate.mjs'), 'scrypt', String(S.hashSeconds), String(S.connections)]);
    hashRates['better-auth'] = hash;
    const login = await measure(srv.url, leasedLogin('/api/auth/sign-in/email', (i) => ({ email: email(i), password: gh.PASSWORD }), range(0, S.connections * 2)));
    row({ group: 'login', id: 'ba-login', label: 'password login', system: 'better-auth', operation: 'POST /api/auth/sign-in/email', ...login, ratio: login.rate / hash.rate, ceilingName: 'scrypt' });
    row({ group: 'ceiling', id: 'ba-hash', label: 'password hash (its ceiling)', system: 'better-auth', operation: `scrypt verify ${hash.params}`, rate: hash.rate, errors: 0, ratio: 1, ceilingName: 'itself' });
    await srv.stop();
  }
  // Feathers
  {
    const dir = join(TMP, 'feathers');
    mkdirSync(dir);
    const port = await freePort();
    const users = S.connections * 2 + 2;
    const srv = await server('feathers', () =>
      startNode([join(BENCH, 'peers', 'feathers.mjs')], { env: { PORT: String(port), DB: join(dir, 'f.db'), USERS: String(users), PASSWORD: gh.PASSWORD, NODE_ENV: 'production' }, port, name: 'feathers', readyTimeoutMs: 120_000 }),
    );
    const email = (i) => `bench${i}@bench.test`;
    const auth = await (await fetch(srv.url + '/authentication', { method: 'POST', headers: json, body: JSON.stringify({ strategy: 'local', email: email(users - 1), password: gh.PASSWORD }) })).json();
    if (!auth.accessToken) throw new Error(`feathers sign-in failed: ${JSON.stringify(auth)}`);
    httpMode(srv);
    const get = await measure(srv.url, () => [{ method: 'GET', path: `/users/${auth.user.id}`, headers: { authorization: `Bearer ${auth.accessToken}` } }]);
    freeMode(srv);
    row({ group: 'f-get', id: 'f-jwt', label: 'Feathers users get', system: 'feathers', operation: 'GET /users/:id (authenticate jwt)', ...get, ceilingName: 'bare' });
    const hash = runNodeJson([join(BENCH, 'servers', 'hashrate.mjs'), 'bcryptjs', String(S.hashSeconds), String(S.connections)]);
    hashRates.feathers = hash;
    const login = await measure(srv.url, leasedLogin('/authentication', (i) => ({ strategy: 'local', email: email(i), password: gh.PASSWORD }), range(0, S.connections * 2)));
    row({ group: 'f-login', id: 'f-login', label: 'Feathers login', system: 'feathers', operation: 'POST /authentication (local)', ...login, ratio: login.rate / hash.rate, ceilingName: 'bcryptjs' });
    row({ group: 'ceiling', id: 'f-hash', label: 'password hash (its ceiling)', system: 'feathers', operation: `bcryptjs verify ${hash.params}`, rate: hash.rate, errors: 0, ratio: 1, ceilingName: 'itself' });
    const auths = await fx.signInMany(srv.url, range(0, S.sockets).map((i) => ({ strategy: 'local', email: email(i), password: gh.PASSWORD })));
    httpMode(srv);
    try {
      const sock = await fx.measureSockets({ url: srv.url, auths, inFlight: S.inFlight, warmup: S.warmup, duration: S.duration, serverPid: srv.pid });
      log(`feathers socket.io get: ${cpuNote(sock)}`);
      row({ group: 'f-socket', id: 'f-socket', label: 'Feathers socket get', system: 'feathers', operation: "socket.io emit('get', 'users', own id) (authenticate jwt)", ...sock, ceilingName: 'socket.io echo' });
    } finally {
      freeMode(srv);
    }
    await srv.stop();
  }
}

/** The bare ceiling (mean of its samples), every ratio to it, and the target verdicts. */
function finalize() {
  if (bareSamples.length) {
    const mean = (k) => bareSamples.reduce((a, r) => a + r[k], 0) / bareSamples.length;
    bareRate = mean('rate');
    const samples = bareSamples.map((r) => Math.round(r.rate).toLocaleString('en-US')).join(' and ');
    row({ group: 'ceiling', id: 'bare', label: 'bare route (ceiling)', system: 'fastify', operation: 'GET /hello → {"hello":"world"}', rate: bareRate, p50: mean('p50'), p99: mean('p99'), errors: bareSamples.reduce((a, r) => a + r.errors, 0), ratio: 1, ceilingName: 'itself', samples: bareSamples, verdict: bareSamples.length > 1 ? `mean of ${samples}` : '' });
  }
  if (hashSamples.length) {
    const h = hashRates.gatehouse;
    const samples = hashSamples.map((x) => x.rate.toFixed(1)).join(' and ');
    row({ group: 'ceiling', id: 'hash', label: 'password hash (ceiling)', system: 'gatehouse', operation: `argon2id verify ${h.params}`, rate: h.rate, errors: 0, ratio: 1, ceilingName: 'itself', samples: hashSamples, verdict: hashSamples.length > 1 ? `mean of ${samples}` : '' });
  }
  if (sioSamples.length) {
    const mean = (k) => sioSamples.reduce((a, r) => a + r[k], 0) / sioSamples.length;
    const samples = sioSamples.map((r) => Math.round(r.rate).toLocaleString('en-US')).join(' and ');
    results.sioRate = mean('rate');
    row({ group: 'ceiling', id: 'sio-bare', label: 'socket.io echo (ceiling)', system: 'socket.io', operation: "emit('get', …) → ack {\"hello\":\"world\"}", rate: results.sioRate, p50: mean('p50'), p99: mean('p99'), errors: sioSamples.reduce((a, r) => a + r.errors, 0), ratio: 1, ceilingName: 'itself', samples: sioSamples, verdict: sioSamples.length > 1 ? `mean of ${samples}` : '' });
  }
  if (canPin) results.settings.summary += `; HTTP scenarios: server pinned to CPU ${CORES - 1}, load generator to the other core(s) (taskset)`;
  for (const r of results.rows) {
    if (r.ceilingName === 'bare' && r.status === 'ok') r.ratio = bareRate ? r.rate / bareRate : null;
    if (r.ceilingName === 'argon2id' && r.status === 'ok') r.ratio = hashRates.gatehouse ? r.rate / hashRates.gatehouse.rate : null;
    if (r.ceilingName === 'socket.io echo' && r.status === 'ok') r.ratio = results.sioRate ? r.rate / results.sioRate : null;
    if (r.target !== undefined && r.status === 'ok') r.verdict = verdict(r.ratio, r.target);
  }
}

/** Gatehouse's scenario against every peer's equivalent. */
function peerVerdicts() {
  const equivalents = { bearer: ['ba-session', 'f-jwt'], vouch: ['ba-session'], login: ['ba-login', 'f-login'], 'feathers-get': ['f-jwt'], 'feathers-login': ['f-login'], 'feathers-socket': ['f-socket'] };
  for (const [id, peers] of Object.entries(equivalents)) {
    const mine = gatehouseRows[id];
    const theirs = results.rows.filter((r) => peers.includes(r.id) && r.status === 'ok');
    if (!mine || mine.status !== 'ok' || !theirs.length) continue;
    const beaten = theirs.filter((t) => t.rate >= mine.rate).map((t) => t.system);
    const v = beaten.length ? `slower than ${beaten.join(', ')}` : `faster than ${theirs.map((t) => t.system).join(', ')}`;
    mine.verdict = [mine.verdict, v].filter(Boolean).join('; ');
  }
}

function order() {
  const groups = ['ceiling', 'bearer', 'vouch', 'introspect', 'refresh', 'login', 'webflow', 'f-get', 'f-login', 'f-socket'];
  const ceilings = ['bare', 'sio-bare', 'hash', 'ba-hash', 'f-hash'];
  const within = (r) => (r.group === 'ceiling' ? ceilings.indexOf(r.id) : r.system === 'gatehouse' ? -1 : 0);
  results.rows.sort((a, b) => groups.indexOf(a.group) - groups.indexOf(b.group) || within(a) - within(b));
}

/** BENCHMARKS.md keeps the latest full run's table between its markers; the rest of the file is prose. */
function updateBenchmarksMd(res) {
  const file = join(ROOT, 'BENCHMARKS.md');
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  const begin = '<!-- bench:latest:begin -->';
  const end = '<!-- bench:latest:end -->';
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) return;
  const block = [
    begin,
    `Run ${res.date} with \`${res.command}\` (${res.settings.generator}; results in \`bench/results/latest.json\`).`,
    '',
    `Machine: ${res.machine.summary}.`,
    '',
    '```',
    res.table,
    '```',
    end,
  ].join('\n');
  writeFileSync(file, text.slice(0, a) + block + text.slice(b + end.length));
  log('BENCHMARKS.md updated');
}

let failed;
try {
  if (phases.has('ceilings')) await ceilings();
  if (phases.has('gatehouse')) await gatehousePhase();
  if (phases.has('feathers')) await feathersPhase();
  if (phases.has('ceilings') && !smoke) {
    await measureBare();
    measureHash();
    await measureSioBare();
  }
  if (phases.has('memory')) await memoryPhase().catch((e) => ((results.memory ??= {}).error = e.message));
  if (phases.has('scale') && phases.has('gatehouse')) await scalePhase().catch((e) => ((results.scale ??= { rows: [] }).error = e.message));
  if (phases.has('peers')) await peersPhase();
} catch (e) {
  failed = e;
} finally {
  await cleanup();
}
finalize();
peerVerdicts();
order();
const table = render(results);
process.stdout.write(table + '\n');
results.table = table;
if (!smoke || args.out) {
  const out = args.out ?? join(BENCH, 'results', `bench-${results.date.replace(/[:.]/g, '-')}.json`);
  mkdirSync(join(BENCH, 'results'), { recursive: true });
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  if (!args.out) {
    writeFileSync(join(BENCH, 'results', 'latest.json'), JSON.stringify(results, null, 2) + '\n');
    if (!failed && [...ALL_PHASES.split(',')].every((p) => phases.has(p))) updateBenchmarksMd(results);
  }
  log(`results written to ${out}`);
}
if (failed) {
  log(`FAILED: ${failed.stack ?? failed}`);
  process.exit(1);
}
