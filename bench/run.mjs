#!/usr/bin/env node
// Gatehouse benchmarks: `npm run bench` (from the repository root) measures Gatehouse against its
// ceilings (a bare Fastify route; the raw argon2id verify rate; a bare socket.io echo) and against
// peers (better-auth, Feathers) in one run and prints one table; the table also goes to
// bench/results/ as JSON.
//
//   node bench/run.mjs [--smoke] [--quick] [--connections N] [--warmup S] [--duration S] [--rounds N]
//                      [--only ceilings,gatehouse,feathers,memory,scale,peers,postgres,cluster] [--profile] [--out FILE]
//
// Every scenario is measured in --rounds alternating rounds with its ceiling (ceiling, scenario,
// ceiling, scenario, …; 3 by default): the table shows the median of the per-round ratios with
// their min–max, and marks UNRELIABLE a row whose ceiling samples differ by more than 10 %
// (bench/lib/rounds.mjs). --duration is one sample's measured window; --warmup the warm-up before
// a server's first sample of a scenario (later samples re-warm for 1 s).
//
// --smoke   a few seconds: the bare route and the bearer check only, root dependencies only
//           (the smoke test in test/bench/smoke.test.ts runs this).
// --quick   shorter windows, 100,000 instead of 1,000,000 users for the scale rows.
// --profile runs the Gatehouse servers under `node --cpu-prof` (profiles in bench/results/profiles/).
// The phase `feathers` is Gatehouse's Feathers dialect (REST sign-in, GET /users/:id, socket.io
// calls); its peer rows come with `peers`, its socket.io ceiling with `ceilings`.
// The phase `postgres` runs bearer check, refresh and password login on a fresh PostgreSQL
// database (BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres; dropped after);
// `cluster` runs two nodes on PostgreSQL + Redis (BENCH_REDIS_URL, a unique key prefix) behind
// nginx (BENCH_NGINX, default /usr/sbin/nginx). Refresh is measured against its store's ceiling:
// the statements of a rotation in a loop without HTTP (bench/servers/rotation-ceiling.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, freemem, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
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
    rounds: { type: 'string' },
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
const { combineRounds, summarizeSamples, median, UNRELIABLE_SPREAD } = await import('./lib/rounds.mjs');
const fx = await import('./lib/feathers.mjs');
const { clientVersion: socketClientVersion } = await import('./lib/socketio.mjs');
const cluster = await import('./lib/cluster.mjs');
const { cpuSecondsOf } = await import('./lib/proc.mjs');

// ---------------------------------------------------------------------------------------------
// Settings

const smoke = args.smoke;
const quick = args.quick;
// Each scenario and its ceiling are sampled `rounds` times in alternation, so one sample is short:
// the first sample of a scenario on a server warms up for `warmup` s, every later one for `rewarm`.
const S = {
  connections: Number(args.connections ?? (smoke ? 4 : 10)),
  rounds: Math.max(1, Math.round(Number(args.rounds ?? 3))),
  warmup: Number(args.warmup ?? (smoke ? 1 : quick ? 2 : 3)),
  duration: Number(args.duration ?? (smoke ? 1 : quick ? 2 : 4)),
  hashSeconds: Number(args.duration ?? (smoke ? 1 : quick ? 2 : 4)),
  users: smoke ? 100 : 10_000,
  bigUsers: quick ? 100_000 : 1_000_000,
  sessions: quick ? 20_000 : 100_000,
  // socket.io scenarios: one connection per signed-in user, each with this many calls outstanding.
  sockets: 10,
  inFlight: 4,
};
S.rewarm = Math.min(S.warmup, smoke ? 0.5 : 1);
const ALL_PHASES = 'ceilings,gatehouse,feathers,memory,scale,peers,postgres,cluster';
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
    summary: `${generator()}, ${S.connections} connections, ${S.rounds} rounds per scenario, each its ceiling's sample then its own (${S.duration} s measured each, after ${S.warmup} s warm-up the first time, ${S.rewarm} s after); ratios are the median of the per-round ratios; hash rates over ${S.hashSeconds} s with ${S.connections} verifies in flight; socket.io: socket.io-client ${socketClientVersion()} (websocket), ${S.sockets} connections × ${S.inFlight} calls in flight; Gatehouse: node dist/cli.js serve, SQLite (WAL), argon2id m=19456,t=2,p=1, LOG_LEVEL=warn`,
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

/** S.warmup the first time `key` (a scenario on a server) is sampled, S.rewarm after. */
const warmed = new Set();
function warmupFor(key) {
  if (warmed.has(key)) return S.rewarm;
  warmed.add(key);
  return S.warmup;
}

/** One sample: warm-up, then the measured window. `before` runs before each (fresh refresh pairs, …). */
async function measure(url, makeRequests, { perOp = 1, before, connections = S.connections, verify, key, costs } = {}) {
  if (key === undefined) {
    const [first] = makeRequests();
    key = `${url} ${first?.method ?? 'GET'} ${first?.path ?? '/'}`;
  }
  if (before) await before();
  await runLoad({ url, requests: makeRequests(), connections, seconds: warmupFor(key), perOp });
  if (before) await before();
  const probe = costs ? await costs() : undefined;
  const r = await runLoad({ url, requests: makeRequests(), connections, seconds: S.duration, perOp });
  if (probe) r.costs = await probe(r.ok / perOp);
  if (verify) await verify(r);
  return r;
}

/**
 * Per-operation costs of one measured window (the capacity model in BENCHMARKS.md): CPU time of
 * the Gatehouse node processes (/proc, all threads), and on PostgreSQL the CPU time of the
 * database's backends serving them (/proc of the pids pg_stat_activity lists for the database:
 * exact, unlike pg_stat_* counters, which backends flush up to 10 s late) and the WAL written
 * (pg_current_wal_lsn: cluster-wide, so other databases' writes on a shared server add to it).
 * Returns a function to call before the window; it returns one to call after, with the ops done.
 */
function costProbe({ pids, pg: pgDb }) {
  return async () => {
    const cpu = () => pids().reduce((a, p) => a + (cpuSecondsOf(p) ?? 0), 0);
    const pgState = async () => {
      if (!pgDb) return null;
      const r = await pgDb.query(`select coalesce(array_agg(pid), '{}') as pids, pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 as wal from pg_stat_activity where datname = $1`, [pgDb.dbName]);
      const cpuOf = new Map(r.rows[0].pids.map((p) => [p, cpuSecondsOf(p) ?? 0]));
      return { cpuOf, wal: r.rows[0].wal };
    };
    const n0 = cpu();
    const p0 = await pgState();
    const t0 = Date.now();
    return async (ops) => {
      const n1 = cpu();
      const p1 = await pgState();
      const wall = (Date.now() - t0) / 1000;
      const out = { ops, wallSeconds: wall, nodeCpuSeconds: n1 - n0, nodeCpuMsPerOp: ops > 0 ? ((n1 - n0) * 1000) / ops : null };
      if (p0 && p1) {
        // A backend opened during the window counts from zero (its whole life is in the window).
        let db = 0;
        for (const [pid, c] of p1.cpuOf) db += c - (p0.cpuOf.get(pid) ?? 0);
        out.dbCpuSeconds = db;
        out.dbCpuMsPerOp = ops > 0 ? (db * 1000) / ops : null;
        out.walBytesPerOp = ops > 0 ? (p1.wal - p0.wal) / ops : null;
      }
      return out;
    };
  };
}


const ROW_DEFAULTS = { status: 'ok', rate: null, p50: null, p99: null, errors: null, ratio: null, ceilingName: null, verdict: '' };
function row(r) {
  const full = { ...ROW_DEFAULTS, ...r };
  // Per-operation costs (medians over the samples that measured them): the capacity model's input.
  const withCosts = (full.raw ?? []).map((x) => x.costs).filter(Boolean);
  if (withCosts.length) {
    const m = (k) => median(withCosts.map((c) => c[k]).filter((x) => typeof x === 'number'));
    full.costs = { samples: withCosts.length, nodeCpuMsPerOp: m('nodeCpuMsPerOp'), dbCpuMsPerOp: m('dbCpuMsPerOp'), walBytesPerOp: m('walBytesPerOp') };
  }
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

/**
 * Ceilings. Each is sampled once per round of every scenario measured against it (ceiling,
 * scenario, ceiling, scenario, …), and its row in the table gathers all its samples of the run.
 * Its servers (the bare route, the socket.io echo) stay up for the whole run, idle between samples.
 */
const ceilingSamples = { bare: [], argon2id: [], 'socket.io echo': [], scrypt: [], bcryptjs: [], 'rotation SQLite': [], 'rotation PostgreSQL': [] };
const fmtRate = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));

/** The bare route: the ceiling of every HTTP scenario. */
let bareServer;
async function sampleBare() {
  bareServer ??= await server('bare', async () => {
    const port = await freePort();
    return startNode([join(BENCH, 'servers', 'bare.mjs')], { env: { PORT: String(port) }, port, name: 'bare fastify' });
  });
  httpMode(bareServer);
  try {
    const r = await measure(bareServer.url, () => [{ method: 'GET', path: '/hello' }], { key: 'bare' });
    ceilingSamples.bare.push(r);
    log(`bare route sample: ${r.rate.toFixed(0)} ops/s`);
    return r;
  } finally {
    freeMode(bareServer);
  }
}

/** A raw password-verify rate (a process of its own): argon2id is the ceiling of Gatehouse's logins, scrypt and bcryptjs of the peers'. */
function sampleHash(algorithm) {
  const params = algorithm === 'argon2id' ? ['19456', '2', '1'] : [];
  const h = runNodeJson([join(BENCH, 'servers', 'hashrate.mjs'), algorithm, String(S.hashSeconds), String(S.connections), ...params]);
  ceilingSamples[algorithm].push(h);
  log(`${algorithm} sample: ${h.rate.toFixed(1)} verifies/s`);
  return h;
}

/** A bare socket.io server acknowledging `get` at once: the ceiling of a socket.io service call. */
let sioServer;
async function sampleSioEcho() {
  sioServer ??= await server('socket.io echo', async () => {
    const port = await freePort();
    return startNode([join(BENCH, 'servers', 'bare-socketio.mjs')], { env: { PORT: String(port) }, port, name: 'bare socket.io' });
  });
  httpMode(sioServer);
  try {
    const r = await fx.measureSockets({ url: sioServer.url, connections: S.sockets, inFlight: S.inFlight, warmup: warmupFor('socket.io echo'), duration: S.duration, serverPid: sioServer.pid });
    ceilingSamples['socket.io echo'].push(r);
    log(`socket.io echo sample: ${r.rate.toFixed(0)} calls/s (${cpuNote(r)})`);
    return r;
  } finally {
    freeMode(sioServer);
  }
}
const cpuNote = (r) => `CPU: server ${r.serverCpu === null ? '?' : Math.round(r.serverCpu * 100) + '%'}, load generator ${Math.round(r.clientCpu * 100)}% of a core`;

/**
 * The statements of a rotation in a loop on a store, no HTTP (bench/servers/rotation-ceiling.mjs):
 * the ceiling of refresh on that store. Pinned as an HTTP scenario's server is (the last core),
 * S.connections chains at once, users ROTATION_USER… of the store.
 */
const ROTATION_USER = 9000;
const rotationStores = {};
function sampleRotation(kind) {
  const name = `rotation ${kind}`;
  const url = rotationStores[kind];
  if (!url) throw new Error(`${name}: no store`);
  const script = [join(BENCH, 'servers', 'rotation-ceiling.mjs'), url, String(S.duration), String(S.connections), String(ROTATION_USER), String(warmupFor(name))];
  const r = canPin
    ? spawnSync('taskset', ['-c', String(CORES - 1), process.execPath, ...script], { encoding: 'utf8', timeout: 300_000, maxBuffer: 16 << 20 })
    : spawnSync(process.execPath, script, { encoding: 'utf8', timeout: 300_000, maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`${name} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  const out = JSON.parse(lines[lines.length - 1]);
  if (out.errors) log(`${name}: ${out.errors} errors (${out.lastError})`);
  out.costs = { nodeCpuMsPerOp: out.cpuMsPerOp, dbCpuMsPerOp: out.dbCpuMsPerOp ?? null, walBytesPerOp: null };
  ceilingSamples[name].push(out);
  log(`${name} sample: ${out.rate.toFixed(0)} rotations/s`);
  return out;
}

const CEILINGS = {
  bare: sampleBare,
  'rotation SQLite': () => sampleRotation('SQLite'),
  'rotation PostgreSQL': () => sampleRotation('PostgreSQL'),
  argon2id: () => sampleHash('argon2id'),
  'socket.io echo': sampleSioEcho,
  scrypt: () => sampleHash('scrypt'),
  bcryptjs: () => sampleHash('bcryptjs'),
};
// The peers' hash rates come with the peers; the other ceilings with the phase `ceilings`.
const ceilingMeasured = (name) => name === 'scrypt' || name === 'bcryptjs' || name.startsWith('rotation ') || phases.has('ceilings');

/**
 * S.rounds alternating rounds: the ceiling's sample, then the scenario's (`sample(round)`), and
 * again. Returns the scenario's medians with the per-round ratios, their median (`ratio`) and
 * min–max, and the ceiling's samples of these rounds with their spread (bench/lib/rounds.mjs).
 * Without its ceiling (phase `ceilings` not run) the scenario is still sampled S.rounds times.
 */
async function inRounds(label, ceilingName, sample) {
  const ceiling = ceilingName && ceilingMeasured(ceilingName) ? CEILINGS[ceilingName] : null;
  const rounds = [];
  for (let i = 0; i < S.rounds; i++) {
    const c = ceiling ? await ceiling() : null;
    const sc = await sample(i);
    rounds.push({ ceiling: c, scenario: sc });
    log(`${label} round ${i + 1}/${S.rounds}: ${fmtRate(sc.rate)}/s${c ? ` vs ${ceilingName} ${fmtRate(c.rate)}/s → ${((100 * sc.rate) / c.rate).toFixed(1)}%` : ''}`);
  }
  const r = combineRounds(rounds);
  if (r.ratio !== null) {
    log(`${label}: median ${(r.ratio * 100).toFixed(1)}% of ${ceilingName} (${(r.ratioMin * 100).toFixed(1)}–${(r.ratioMax * 100).toFixed(1)}%), ceiling spread ${(r.ceilingSpread * 100).toFixed(1)}%${r.unreliable ? ' UNRELIABLE' : ''}`);
  }
  return { ...r, ceilingName };
}

/** The phase `ceilings` on its own (or a ceiling no scenario used): S.rounds samples of each. */
async function ceilings() {
  for (const name of smoke ? ['bare'] : ['bare', 'argon2id', 'socket.io echo']) {
    while (ceilingSamples[name].length < S.rounds) await CEILINGS[name]();
  }
}

/** One sample of the bearer check on a running Gatehouse (pinned for the duration). */
async function bearerSample(srv, accessToken, key, { costs, pinned = true } = {}) {
  if (pinned) httpMode(srv);
  try {
    return await measure(srv.url, bearerRequests(accessToken), { key, costs });
  } finally {
    freeMode(srv);
  }
}

/** One sample of refresh: fresh sign-ins of S.connections users from `firstUser` + 1 before the warm-up and before the window. */
async function refreshSample(srv, firstUser, key, { costs, pinned = true } = {}) {
  const url = srv.url;
  let pool;
  if (pinned) httpMode(srv);
  try {
    return await measure(url, refreshRequests({ take: () => pool.take(), give: (p) => pool.give(p) }), {
      key,
      costs,
      before: async () => {
        pool = leasePool(await gh.loginMany(url, S.connections, firstUser + 1));
      },
    });
  } finally {
    freeMode(srv);
  }
}

const TARGETS = { bearer: 0.6, vouch: 0.6, introspect: 0.4, refresh: 0.6, login: 0.85, 'feathers-get': 0.6, 'feathers-login': 0.85 };
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

  const { accessToken } = await gh.login(srv.url, 0);
  const bearer = await inRounds('bearer check', 'bare', () => bearerSample(srv, accessToken, 'gh bearer'));
  gatehouseRows.bearer = row({ group: 'bearer', id: 'bearer', label: 'bearer check', system: 'gatehouse', operation: 'GET /auth/me (ARC, Bearer)', ...bearer, target: TARGETS.bearer });
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
    const r = await inRounds(sc.label, 'bare', async () => {
      httpMode(srv);
      try {
        return await measure(srv.url, () => [{ ...req }], { key: `gh ${sc.id}` });
      } finally {
        freeMode(srv);
      }
    });
    gatehouseRows[sc.id] = row({ group: sc.id, id: sc.id, label: sc.label, system: 'gatehouse', operation: sc.operation, ...r, target: TARGETS[sc.id] });
  }

  // Refresh against its store's ceiling: the same statements in a loop on this store, no HTTP.
  rotationStores.SQLite = gh.databaseUrlOf(gatehouseDir);
  const costs = costProbe({ pids: () => [srv.pid] });
  const refresh = await inRounds('refresh', 'rotation SQLite', () => refreshSample(srv, 0, 'gh refresh', { costs }));
  gatehouseRows.refresh = row({ group: 'refresh', id: 'refresh', label: 'refresh (rotation)', system: 'gatehouse', operation: 'POST /auth/token-refresh (ARC)', ...refresh, target: TARGETS.refresh });

  const login = await inRounds('password login', 'argon2id', () => measure(srv.url, leasedLogin('/auth/login-token', gh.loginBody, range(100, S.connections * 2)), { key: 'gh login' }));
  gatehouseRows.login = row({ group: 'login', id: 'login', label: 'password login', system: 'gatehouse', operation: 'POST /auth/login-token (ARC)', ...login, target: TARGETS.login });
  const web = await inRounds('web flow', 'argon2id', () => measure(srv.url, webFlowRequests(range(200, S.connections * 2)), { perOp: 2, key: 'gh webflow' }));
  gatehouseRows.webflow = row({ group: 'webflow', id: 'webflow', label: 'web flow', system: 'gatehouse', operation: 'POST /auth/login + POST /auth/token (ARC)', ...web });
  await srv.stop();
}

/** One sample of socket.io `get` calls on signed-in connections (server pinned for the duration). */
async function socketSample(srv, auths, key, label) {
  httpMode(srv);
  try {
    const sock = await fx.measureSockets({ url: srv.url, auths, inFlight: S.inFlight, warmup: warmupFor(key), duration: S.duration, serverPid: srv.pid });
    log(`${label}: ${cpuNote(sock)}`);
    return sock;
  } finally {
    freeMode(srv);
  }
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
  const login = await inRounds('Feathers login', 'argon2id', () => measure(srv.url, leasedLogin('/authentication', body, range(300, S.connections * 2)), { key: 'gh feathers-login' }));
  gatehouseRows['feathers-login'] = row({ group: 'f-login', id: 'feathers-login', label: 'Feathers login', system: 'gatehouse', operation: 'POST /authentication (Feathers, local, email)', ...login, target: TARGETS['feathers-login'] });

  const reader = await fx.signIn(srv.url, body(40));
  const get = await inRounds('Feathers users get', 'bare', async () => {
    httpMode(srv);
    try {
      return await measure(srv.url, () => [fx.getOwnRecord(reader)], { key: 'gh feathers-get' });
    } finally {
      freeMode(srv);
    }
  });
  gatehouseRows['feathers-get'] = row({ group: 'f-get', id: 'feathers-get', label: 'Feathers users get', system: 'gatehouse', operation: 'GET /users/:id (Feathers, Bearer, own record)', ...get, target: TARGETS['feathers-get'] });

  const auths = await fx.signInMany(srv.url, range(400, S.sockets).map(body));
  const sock = await inRounds('Feathers socket get', 'socket.io echo', () => socketSample(srv, auths, 'gh feathers-socket', 'gatehouse socket.io get'));
  gatehouseRows['feathers-socket'] = row({ group: 'f-socket', id: 'feathers-socket', label: 'Feathers socket get', system: 'gatehouse', operation: "socket.io emit('get', 'users', own id) (Feathers, signed in)", ...sock });
  await srv.stop();
}

/**
 * A fresh PostgreSQL database with the 10,000-user store, made once per run (the phases
 * `postgres` and `cluster` share it) and dropped at the end; with an admin connection (to the
 * server's maintenance database) for the cost probe.
 */
let pgStore;
async function pgDatabase() {
  if (pgStore) return pgStore;
  const db = await cluster.createPgDatabase('run');
  cleanups.push(() => db.drop());
  const pg = createRequire(join(ROOT, 'package.json'))('pg');
  const admin = new pg.Client({ connectionString: cluster.PG_ADMIN_URL });
  await admin.connect();
  cleanups.push(() => admin.end());
  const version = (await admin.query('show server_version')).rows[0].server_version;
  results.settings.summary += `; PostgreSQL rows: PostgreSQL ${version}, a fresh database dropped after`;
  const dir = join(TMP, 'gh-pg');
  mkdirSync(dir);
  gh.useDatabase(dir, { databaseUrl: db.url });
  await gh.prepareStore(dir, { users: S.users, log });
  pgStore = { url: db.url, dir, pg: { dbName: db.name, query: (q, a) => admin.query(q, a) } };
  return pgStore;
}
const PG_SYSTEM = 'gatehouse, PostgreSQL';
const CLUSTER_SYSTEM = 'gatehouse ×2, nginx, PostgreSQL + Redis';

/** Bearer check, refresh and password login on PostgreSQL: one node, as the SQLite rows run. */
async function postgresPhase() {
  if (!(await cluster.pgAvailable())) {
    results.notes.push(`postgres: PostgreSQL not reachable at ${cluster.PG_ADMIN_URL}; its rows were skipped`);
    return;
  }
  const st = await pgDatabase();
  rotationStores.PostgreSQL = st.url;
  const srv = await server('gatehouse', () => gh.startServer(st.dir, { nodeArgs }));
  await sleep(2000);
  const costs = costProbe({ pids: () => [srv.pid], pg: st.pg });
  const { accessToken } = await gh.login(srv.url, 0);
  const bearer = await inRounds('PostgreSQL bearer check', 'bare', () => bearerSample(srv, accessToken, 'pg bearer', { costs }));
  row({ group: 'pg', id: 'pg-bearer', label: 'bearer check', system: PG_SYSTEM, operation: 'GET /auth/me (ARC, Bearer)', ...bearer, target: TARGETS.bearer });
  const refresh = await inRounds('PostgreSQL refresh', 'rotation PostgreSQL', () => refreshSample(srv, 0, 'pg refresh', { costs }));
  row({ group: 'pg', id: 'pg-refresh', label: 'refresh (rotation)', system: PG_SYSTEM, operation: 'POST /auth/token-refresh (ARC)', ...refresh, target: TARGETS.refresh });
  const login = await inRounds('PostgreSQL password login', 'argon2id', () => measure(srv.url, leasedLogin('/auth/login-token', gh.loginBody, range(100, S.connections * 2)), { key: 'pg login', costs }));
  row({ group: 'pg', id: 'pg-login', label: 'password login', system: PG_SYSTEM, operation: 'POST /auth/login-token (ARC)', ...login, target: TARGETS.login });
  await srv.stop();
}

/**
 * Two nodes on one PostgreSQL and one Redis behind nginx (round-robin, keep-alive upstreams),
 * nothing pinned: on a 2-core machine this row shows the cluster's overhead, not its scaling
 * (BENCHMARKS.md "Capacity model" works out the scaling from the per-operation costs).
 */
async function clusterPhase() {
  const missing = [];
  if (!(await cluster.pgAvailable())) missing.push(`PostgreSQL (${cluster.PG_ADMIN_URL})`);
  const redis = await cluster.redisPrefix('run');
  if (!redis) missing.push(`Redis (${cluster.REDIS_URL})`);
  if (!cluster.nginxAvailable()) missing.push(`nginx (${cluster.NGINX})`);
  if (missing.length) {
    results.notes.push(`cluster: ${missing.join(', ')} not available; its rows were skipped`);
    return;
  }
  cleanups.push(() => redis.drop());
  const st = await pgDatabase();
  const nginxVersion = (spawnSync(cluster.NGINX, ['-v'], { encoding: 'utf8' }).stderr ?? '').trim().replace(/^nginx version: /, '');
  results.settings.summary += `; cluster rows: 2 nodes behind ${nginxVersion || 'nginx'} (1 worker, round-robin), Redis, nothing pinned`;
  rotationStores.PostgreSQL = st.url;
  const nodes = [];
  for (const name of ['a', 'b']) {
    const dir = join(TMP, `gh-node-${name}`);
    mkdirSync(dir);
    gh.useDatabase(dir, { databaseUrl: st.url, redisUrl: redis.url, redisPrefix: redis.prefix });
    nodes.push(await server('gatehouse', () => gh.startServer(dir, { nodeArgs })));
  }
  const lb = await server('nginx', () => cluster.startNginx(join(TMP, 'nginx'), nodes.map((n) => n.url)));
  await sleep(2000);
  const costs = costProbe({ pids: () => nodes.map((n) => n.pid), pg: st.pg });
  const { accessToken } = await gh.login(lb.url, 50);
  const bearer = await inRounds('cluster bearer check', 'bare', () => bearerSample(lb, accessToken, 'cluster bearer', { costs, pinned: false }));
  row({ group: 'cluster', id: 'cluster-bearer', label: 'bearer check', system: CLUSTER_SYSTEM, operation: 'GET /auth/me via nginx, round-robin', ...bearer });
  const refresh = await inRounds('cluster refresh', 'rotation PostgreSQL', () => refreshSample(lb, 500, 'cluster refresh', { costs, pinned: false }));
  row({ group: 'cluster', id: 'cluster-refresh', label: 'refresh (rotation)', system: CLUSTER_SYSTEM, operation: 'POST /auth/token-refresh via nginx (each pair rotated on either node)', ...refresh });
  await lb.stop();
  for (const n of nodes) await n.stop();
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
  // Both servers stay up and are measured in alternating rounds, as a scenario with its ceiling:
  // in each round and for each scenario, the small store's sample, then the big store's. Each
  // round gives one ratio big / small; the row shows their median (a single back-to-back pair
  // moved by up to 20 % between runs). The small store's samples play the ceiling's part: when
  // they differ by more than 10 % the row is marked unreliable.
  const servers = {};
  for (const [name, d, n] of [['small', gatehouseDir, S.users], ['big', dir, S.bigUsers]]) {
    const t0 = Date.now();
    const srv = await server('gatehouse', () => gh.startServer(d, { nodeArgs, readyTimeoutMs: 300_000 }));
    const startSeconds = (Date.now() - t0) / 1000;
    await sleep(2000);
    // Users from the far end of the table, so the lookups are not all in the first pages.
    const firstUser = n - S.connections - 1;
    const { accessToken } = await gh.login(srv.url, firstUser);
    servers[name] = { srv, n, firstUser, accessToken };
    scale.stores[name] = { users: n, startSeconds, rss: srv.rss() };
  }
  const sampleOf = {
    bearer: ({ srv, accessToken }, name) => bearerSample(srv, accessToken, `scale ${name} bearer`),
    refresh: ({ srv, firstUser }, name) => refreshSample(srv, firstUser, `scale ${name} refresh`),
  };
  const rounds = { bearer: [], refresh: [] };
  for (let round = 0; round < S.rounds; round++) {
    for (const id of ['bearer', 'refresh']) {
      const small = await sampleOf[id](servers.small, 'small');
      const big = await sampleOf[id](servers.big, 'big');
      rounds[id].push({ ceiling: small, scenario: big });
      log(`scale ${id} round ${round + 1}/${S.rounds}: ${S.users} users ${small.rate.toFixed(0)}/s, ${S.bigUsers} users ${big.rate.toFixed(0)}/s → ${((100 * big.rate) / small.rate).toFixed(1)}%`);
    }
  }
  for (const name of ['small', 'big']) {
    await servers[name].srv.stop();
    const st = scale.stores[name];
    log(`scale (${st.users} users): started in ${st.startSeconds.toFixed(1)} s, RSS ${(st.rss / 1048576).toFixed(0)} MiB`);
  }
  for (const id of ['bearer', 'refresh']) {
    const big = combineRounds(rounds[id]);
    const small = summarizeSamples(rounds[id].map((x) => x.ceiling));
    const ratio = big.ratio;
    scale.rows.push({
      id,
      label: id === 'bearer' ? 'bearer check' : 'refresh (rotation)',
      rate10k: small.rate,
      rate1m: big.rate,
      ratio,
      ratioMin: big.ratioMin,
      ratioMax: big.ratioMax,
      ratios: big.ratios,
      ceilingSpread: big.ceilingSpread,
      unreliable: big.unreliable,
      small,
      big,
      verdict: id === 'bearer' ? `within 10% ${ratio >= 0.9 ? 'met' : 'MISSED'}${big.unreliable ? ' (unreliable)' : ''}` : '',
    });
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
    const get = await inRounds('better-auth get-session', 'bare', async () => {
      httpMode(srv);
      try {
        return await measure(srv.url, () => [{ method: 'GET', path: '/api/auth/get-session', headers: { cookie } }], { key: 'ba get-session' });
      } finally {
        freeMode(srv);
      }
    });
    row({ group: 'bearer', id: 'ba-session', label: 'bearer check / forward-auth', system: 'better-auth', operation: 'GET /api/auth/get-session (cookie)', ...get });
    const login = await inRounds('better-auth login', 'scrypt', () => measure(srv.url, leasedLogin('/api/auth/sign-in/email', (i) => ({ email: email(i), password: gh.PASSWORD }), range(0, S.connections * 2)), { key: 'ba login' }));
    row({ group: 'login', id: 'ba-login', label: 'password login', system: 'better-auth', operation: 'POST /api/auth/sign-in/email', ...login });
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
    const get = await inRounds('feathers users get', 'bare', async () => {
      httpMode(srv);
      try {
        return await measure(srv.url, () => [{ method: 'GET', path: `/users/${auth.user.id}`, headers: { authorization: `Bearer ${auth.accessToken}` } }], { key: 'feathers get' });
      } finally {
        freeMode(srv);
      }
    });
    row({ group: 'f-get', id: 'f-jwt', label: 'Feathers users get', system: 'feathers', operation: 'GET /users/:id (authenticate jwt)', ...get });
    const login = await inRounds('feathers login', 'bcryptjs', () => measure(srv.url, leasedLogin('/authentication', (i) => ({ strategy: 'local', email: email(i), password: gh.PASSWORD }), range(0, S.connections * 2)), { key: 'feathers login' }));
    row({ group: 'f-login', id: 'f-login', label: 'Feathers login', system: 'feathers', operation: 'POST /authentication (local)', ...login });
    const auths = await fx.signInMany(srv.url, range(0, S.sockets).map((i) => ({ strategy: 'local', email: email(i), password: gh.PASSWORD })));
    const sock = await inRounds('feathers socket get', 'socket.io echo', () => socketSample(srv, auths, 'feathers socket', 'feathers socket.io get'));
    row({ group: 'f-socket', id: 'f-socket', label: 'Feathers socket get', system: 'feathers', operation: "socket.io emit('get', 'users', own id) (authenticate jwt)", ...sock });
    await srv.stop();
  }
}

/** One row per ceiling from all its samples of the run (medians), and the target verdicts on the median ratios. */
function finalize() {
  const CEILING_ROWS = [
    { name: 'bare', id: 'bare', label: 'bare route (ceiling)', system: 'fastify', operation: () => 'GET /hello → {"hello":"world"}' },
    { name: 'socket.io echo', id: 'sio-bare', label: 'socket.io echo (ceiling)', system: 'socket.io', operation: () => "emit('get', …) → ack {\"hello\":\"world\"}" },
    { name: 'argon2id', id: 'hash', label: 'password hash (ceiling)', system: 'gatehouse', operation: (h) => `argon2id verify ${h.params}` },
    { name: 'scrypt', id: 'ba-hash', label: 'password hash (its ceiling)', system: 'better-auth', operation: (h) => `scrypt verify ${h.params}` },
    { name: 'bcryptjs', id: 'f-hash', label: 'password hash (its ceiling)', system: 'feathers', operation: (h) => `bcryptjs verify ${h.params}` },
    { name: 'rotation SQLite', id: 'rot-sqlite', label: 'rotation statements (ceiling)', system: 'gatehouse, SQLite', operation: () => 'a rotation\'s statements in a loop, no HTTP' },
    { name: 'rotation PostgreSQL', id: 'rot-pg', label: 'rotation statements (ceiling)', system: PG_SYSTEM, operation: () => 'a rotation\'s statements in a loop, no HTTP' },
  ];
  for (const c of CEILING_ROWS) {
    const list = ceilingSamples[c.name];
    if (!list.length) continue;
    const m = summarizeSamples(list);
    const shown = m.samples.map(fmtRate);
    row({
      group: 'ceiling',
      ceilingOf: c.name,
      id: c.id,
      label: c.label,
      system: c.system,
      operation: c.operation(list[0]),
      ...m,
      ratio: 1,
      ceilingName: 'itself',
      // A ceiling's own spread is over all its samples of the run, shown for information: the
      // unreliable mark is for a scenario's ratio, judged on the ceiling samples of its rounds.
      ceilingSpread: m.spread,
      unreliable: false,
      verdict: list.length > 1 ? `median of ${list.length}: ${Math.min(...m.samples) === Math.max(...m.samples) ? shown[0] : `${fmtRate(Math.min(...m.samples))}–${fmtRate(Math.max(...m.samples))}`}` : '',
    });
  }
  if (canPin) results.settings.summary += `; HTTP scenarios: server pinned to CPU ${CORES - 1}, load generator to the other core(s) (taskset)`;
  for (const r of results.rows) {
    if (r.target !== undefined && r.status === 'ok') r.verdict = verdict(r.ratio, r.target) + (r.unreliable && r.ratio !== null ? ' (unreliable)' : '');
  }
  results.unreliableSpread = UNRELIABLE_SPREAD;
  results.unreliableRows = results.rows.filter((r) => r.status === 'ok' && r.group !== 'ceiling' && r.unreliable).map((r) => `${r.label} / ${r.system}`);
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
  const groups = ['ceiling', 'bearer', 'vouch', 'introspect', 'refresh', 'login', 'webflow', 'f-get', 'f-login', 'f-socket', 'pg', 'cluster'];
  const ceilings = ['bare', 'sio-bare', 'hash', 'rot-sqlite', 'rot-pg', 'ba-hash', 'f-hash'];
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
const started = Date.now();
try {
  // The ceilings are sampled in rounds with each scenario; the phase `ceilings` itself only adds
  // samples of a ceiling that no scenario of this run used (so that every ceiling has its row).
  if (phases.has('gatehouse')) await gatehousePhase();
  if (phases.has('feathers')) await feathersPhase();
  if (phases.has('memory')) await memoryPhase().catch((e) => ((results.memory ??= {}).error = e.message));
  if (phases.has('scale') && phases.has('gatehouse')) await scalePhase().catch((e) => ((results.scale ??= { rows: [] }).error = e.message));
  if (phases.has('postgres')) await postgresPhase();
  if (phases.has('cluster')) await clusterPhase();
  if (phases.has('peers')) await peersPhase();
  if (phases.has('ceilings')) await ceilings();
} catch (e) {
  failed = e;
} finally {
  await cleanup();
}
results.seconds = Math.round((Date.now() - started) / 1000);
log(`measured in ${results.seconds} s`);
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
