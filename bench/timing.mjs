#!/usr/bin/env node
// Existing vs unknown accounts: does a request cost measurably more when the account exists?
// (issue 9 §5: an attacker must not learn which accounts exist from response times.)
//
//   npm run build && node bench/timing.mjs [--n 200] [--warmup 20] [--gap 25] [--only forgot,login] [--json]
//
// Starts the built server (dist/) the way the bench does (bench/lib/gatehouse.mjs: embedded
// SQLite, production argon2id parameters, users user0… seeded), then, for each operation, sends
// `n` requests for existing accounts and `n` for unknown ones, one at a time, interleaved in a
// shuffled order, and reports the median and p90 of each in µs and the difference of the medians.
// For the mail operations a third case is interleaved: an existing account whose mail is capped
// (asked for over and over), which does the same request-path work as a known account but starts
// no mail work after its answer. "noise" is how far the two halves of the unknown case differ.
//
// Settings: the login throttle is off (LOGIN_MAX_FAILURES=0, LOGIN_MAX_FAILURES_PER_IP=0) so that
// no 429 pollutes the login figures; the registration and per-address mail limits are raised
// (not turned off: their counters are still written) so that every request takes the path being
// measured. `gap` ms pass between requests so that the mail work a known account starts after its
// answer (minting, storing the code, the outbox) does not land inside the next measured request.
// Login is measured last.
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import * as gh from './lib/gatehouse.mjs';
import * as simple from './lib/simple.mjs';
import { sleep } from './lib/proc.mjs';
import { distIsStale } from './lib/build.mjs';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '20' },
    gap: { type: 'string', default: '25' },
    only: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const N = Number(args.n);
const WARMUP = Number(args.warmup);
const GAP = Number(args.gap);
const log = (...m) => process.stderr.write(`[timing] ${m.join(' ')}\n`);

const cli = join(gh.ROOT, 'dist', 'cli.js');
if (!existsSync(cli)) throw new Error('dist/ is missing: run `npm run build` first');
if (distIsStale(gh.ROOT)) log('warning: src/ is newer than dist/ (run `npm run build`)');

// startNode passes process.env on to the server.
Object.assign(process.env, {
  LOGIN_MAX_FAILURES: '0',
  LOGIN_MAX_FAILURES_PER_IP: '0',
  REGISTER_MAX_PER_IP: '1000000',
  MAIL_MAX_PER_IP: '1000000',
  SA_WEB_LOGIN_ONETIME_ALLOWFORGOTPASSWORD: 'true',
});

const SK = { authorization: `SharedKey ${simple.SHARED_SECRET}` };
const client = { client_id: gh.CLIENT.clientId, client_secret: gh.CLIENT.clientSecret };
const email = (i) => `${gh.username(i)}@bench.test`;
// Users 0…N-1 are asked for once per operation; N… warm up; CAPPED is asked for until capped.
const CAPPED = N + WARMUP + 1;

/** Each operation: the request for an existing (`known`) or unknown account number i, and its expected status. */
const OPERATIONS = [
  {
    name: 'basic forgot-password',
    status: 204,
    known: (i) => ['/auth/forgot-password', { email: email(i) }],
    unknown: (i) => ['/auth/forgot-password', { email: `nobody${i}@bench.test` }],
    mail: true,
  },
  {
    name: 'ARC forget-password',
    status: 204,
    known: (i) => ['/auth/forget-password', { ...client, username: gh.username(i) }],
    unknown: (i) => ['/auth/forget-password', { ...client, username: `nobody${i}` }],
    mail: true,
  },
  {
    name: 'simple one-time login',
    status: 200,
    headers: SK,
    known: (i) => ['/api/v1/auth/onetime', { email: email(i) }],
    unknown: (i) => ['/api/v1/auth/onetime', { email: `nobody${i}@bench.test` }],
    mail: true,
  },
  {
    name: 'ARC sign-up create-token',
    status: 204,
    known: (i) => ['/auth/sign-up/create-token', { email: email(i) }],
    unknown: (i) => ['/auth/sign-up/create-token', { email: `nobody${i}@bench.test` }],
    mail: true,
  },
  {
    name: 'basic login, wrong password',
    status: 401,
    known: (i) => ['/auth/login', { email: email(i), password: 'not-the-password' }],
    unknown: (i) => ['/auth/login', { email: `nobody${i}@bench.test`, password: 'not-the-password' }],
  },
  {
    name: 'ARC login-token, wrong password',
    status: 401,
    known: (i) => ['/auth/login-token', { ...client, username: gh.username(i), password: 'not-the-password' }],
    unknown: (i) => ['/auth/login-token', { ...client, username: `nobody${i}`, password: 'not-the-password' }],
  },
];

async function timed(url, [path, body], headers, expect) {
  const t0 = process.hrtime.bigint();
  const r = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  await r.arrayBuffer();
  const us = Number(process.hrtime.bigint() - t0) / 1000;
  if (r.status !== expect) throw new Error(`POST ${path} answered ${r.status}, expected ${expect}`);
  return us;
}

// A seeded generator, so that a rerun sends the same sequence.
let seed = 0x9e3779b9;
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function shuffled(xs) {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return { median: pct(s, 50), p90: pct(s, 90) };
}
const median = (xs) => stats(xs).median;

const TMP = mkdtempSync(join(tmpdir(), 'gatehouse-timing-'));
let server;
try {
  const users = CAPPED + 1;
  log(`seeding ${users} users…`);
  await gh.prepareStore(TMP, { users, log });
  server = await gh.startServer(TMP);
  log(`server at ${server.url}; n=${N} per case, warm-up ${WARMUP}, gap ${GAP} ms`);
  const rows = [];
  const only = args.only?.split(',').map((s) => s.trim().toLowerCase());
  for (const op of OPERATIONS.filter((o) => !only || only.some((w) => o.name.toLowerCase().includes(w)))) {
    const headers = op.headers ?? {};
    for (let i = 0; i < WARMUP; i++) {
      await timed(server.url, op.known(N + i), headers, op.status);
      await timed(server.url, op.unknown(N + i), headers, op.status);
    }
    // Cases are interleaved in a shuffled order, so that drift and whatever the previous request
    // left behind (a known account's mail work) weigh on all of them alike.
    const cases = { known: (i) => op.known(i), unknown: (i) => op.unknown(i) };
    if (op.mail) {
      // The recipient budget (MAIL_MAX_PER_RECIPIENT, 5) is spent first; every request after it is capped.
      for (let i = 0; i < 10; i++) await timed(server.url, op.known(CAPPED), headers, op.status);
      cases.capped = () => op.known(CAPPED);
    }
    const names = Object.keys(cases);
    const samples = Object.fromEntries(names.map((c) => [c, []]));
    for (let i = 0; i < N; i++) {
      for (const c of shuffled(names)) {
        samples[c].push(await timed(server.url, cases[c](i), headers, op.status));
        await sleep(GAP);
      }
    }
    const k = stats(samples.known);
    const u = stats(samples.unknown);
    // What two halves of the same case differ by: the noise floor the difference is read against.
    const half = (xs, r) => median(xs.filter((_, i) => i % 2 === r));
    const noise = Math.abs(half(samples.unknown, 0) - half(samples.unknown, 1));
    const row = { operation: op.name, known: k, unknown: u, diff: k.median - u.median, noise };
    if (op.mail) row.capped = stats(samples.capped);
    rows.push(row);
    log(`${op.name}: known ${k.median.toFixed(0)} µs, unknown ${u.median.toFixed(0)} µs`);
  }
  if (args.json) process.stdout.write(JSON.stringify({ n: N, gap: GAP, rows }, null, 2) + '\n');
  else {
    const f = (x) => Math.round(x).toLocaleString('en-US');
    const lines = [
      '| operation | existing: median / p90 (µs) | unknown: median / p90 (µs) | difference of medians (µs) | noise (µs) | mail capped: median / p90 (µs) |',
      '|---|---|---|---|---|---|',
      ...rows.map((r) =>
        `| ${r.operation} | ${f(r.known.median)} / ${f(r.known.p90)} | ${f(r.unknown.median)} / ${f(r.unknown.p90)} | ${r.diff >= 0 ? '+' : ''}${f(r.diff)} (${((100 * r.diff) / r.unknown.median).toFixed(1)} %) | ${f(r.noise)} | ${r.capped ? `${f(r.capped.median)} / ${f(r.capped.p90)}` : '–'} |`,
      ),
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
} finally {
  await server?.stop();
  rmSync(TMP, { recursive: true, force: true });
}
