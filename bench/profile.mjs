#!/usr/bin/env node
// Profiles one Gatehouse scenario: starts `node --cpu-prof dist/cli.js serve` on a seeded store,
// loads it for a while, stops it and prints where the server's CPU time went.
//   node bench/profile.mjs bearer|vouch|introspect|refresh|login|feathers-get|feathers-login|feathers-socket
//                          [seconds] [connections] [--threads]
// (feathers-socket: `connections` socket.io connections, 4 calls in flight each.)
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as gh from './lib/gatehouse.mjs';
import { leasePool, runLoad } from './lib/load.mjs';
import { summarize } from './lib/cpuprofile.mjs';
import * as simple from './lib/simple.mjs';
import * as fx from './lib/feathers.mjs';
import { connect, runSocketLoad } from './lib/socketio.mjs';

// --threads: no profiler; instead the CPU time per operation of the server's main thread and of
// its other threads (argon2id's pool, V8's helpers), from /proc (Linux).
const threadsMode = process.argv.includes('--threads');
const [scenario = 'bearer', secondsArg = '10', connArg = '10'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const seconds = Number(secondsArg);
const connections = Number(connArg);
// USER_HZ: 100 on Linux (the unit of utime and stime in /proc/<pid>/task/<tid>/stat).
const CLOCK_TICKS = 100;
function threadTicks(pid) {
  const out = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(Number(tid), Number(f[11]) + Number(f[12]));
  }
  return out;
}
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-profile-'));
const profDir = join(fileURLToPath(new URL('.', import.meta.url)), 'results', 'profiles');
mkdirSync(profDir, { recursive: true });
const before = new Set(readdirSync(profDir));
try {
  await gh.prepareStore(dir, { users: 1000 });
  const srv = await gh.startServer(dir, { nodeArgs: threadsMode ? [] : ['--cpu-prof', '--cpu-prof-dir', profDir] });
  const json = { 'content-type': 'application/json' };
  const featherBody = (i) => ({ strategy: 'local', email: `${gh.username(i)}@bench.test`, password: gh.PASSWORD });
  let requests;
  let sockets;
  if (scenario === 'bearer') {
    const { accessToken } = await gh.login(srv.url, 0);
    requests = [{ method: 'GET', path: '/auth/me', headers: { authorization: `Bearer ${accessToken}` } }];
  } else if (scenario === 'refresh') {
    const pool = leasePool(await gh.loginMany(srv.url, connections, 1));
    requests = [{
      method: 'POST', path: '/auth/token-refresh', headers: json,
      setupRequest(req) {
        const p = pool.take();
        req.headers = { ...req.headers, authorization: `Bearer ${p?.accessToken}` };
        req.body = JSON.stringify({ refreshToken: p?.refreshToken ?? 'x' });
        return req;
      },
      onResponse(status, body) {
        if (status === 200) pool.give(JSON.parse(body));
      },
    }];
  } else if (scenario === 'vouch') {
    const cookie = await simple.sessionCookie(srv.url, gh.username(0), gh.PASSWORD);
    requests = [{ method: 'GET', path: simple.PATHS.vouch, headers: { cookie } }];
  } else if (scenario === 'introspect') {
    const token = await simple.accessToken(srv.url, gh.username(0), gh.PASSWORD);
    requests = [simple.tokenInfoRequest(token)];
  } else if (scenario === 'login') {
    const pool = leasePool(Array.from({ length: connections * 2 }, (_, i) => 100 + i));
    requests = [{
      method: 'POST', path: '/auth/login-token', headers: json,
      setupRequest(req, ctx) { ctx.u = pool.take(); req.body = JSON.stringify(gh.loginBody(ctx.u)); return req; },
      onResponse(_s, _b, ctx) { pool.give(ctx.u); },
    }];
  } else if (scenario === 'feathers-get' || scenario === 'feathers-socket') {
    const auths = await fx.signInMany(srv.url, Array.from({ length: scenario === 'feathers-get' ? 1 : connections }, (_, i) => featherBody(400 + i)));
    if (scenario === 'feathers-get') requests = [fx.getOwnRecord(auths[0])];
    else {
      const c = await connect(srv.url, { tokens: auths.map((a) => a.accessToken) });
      sockets = { ...c, call: (i) => ['get', 'users', auths[i].user.id, {}] };
    }
  } else if (scenario === 'feathers-login') {
    const pool = leasePool(Array.from({ length: connections * 2 }, (_, i) => 100 + i));
    requests = [{
      method: 'POST', path: '/authentication', headers: json,
      setupRequest(req, ctx) { ctx.u = pool.take(); req.body = JSON.stringify(featherBody(ctx.u)); return req; },
      onResponse(_s, _b, ctx) { pool.give(ctx.u); },
    }];
  } else throw new Error(`unknown scenario ${scenario}`);
  const load = (secs) =>
    sockets ? runSocketLoad({ sockets: sockets.sockets, call: sockets.call, inFlight: 4, seconds: secs }) : runLoad({ url: srv.url, requests, connections, seconds: secs });
  if (threadsMode) await load(3);
  const ticksBefore = threadsMode ? threadTicks(srv.pid) : undefined;
  const r = await load(seconds);
  sockets?.close();
  console.log(`${scenario}: ${r.rate.toFixed(0)} ops/s, p50 ${r.p50?.toFixed(2)} ms, p99 ${r.p99?.toFixed(2)} ms, errors ${r.errors}`);
  if (ticksBefore) {
    const after = threadTicks(srv.pid);
    const ops = r.rate * seconds;
    let main = 0;
    let other = 0;
    for (const [tid, t] of after) {
      const ms = (t - (ticksBefore.get(tid) ?? 0)) * (1000 / CLOCK_TICKS);
      if (tid === srv.pid) main += ms;
      else other += ms;
    }
    console.log(`CPU per operation: main thread ${(main / ops).toFixed(3)} ms, other threads ${(other / ops).toFixed(3)} ms`);
  }
  await srv.stop();
  if (!threadsMode) {
    const file = readdirSync(profDir).find((f) => !before.has(f) && f.endsWith('.cpuprofile'));
    if (!file) throw new Error('no profile written');
    const s = summarize(join(profDir, file));
    console.log(`profile ${join(profDir, file)}: ${s.busy} busy samples\n-- self --\n${s.self}\n-- inclusive --\n${s.inclusive}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
