#!/usr/bin/env node
// Profiles one Gatehouse scenario: starts `node --cpu-prof dist/cli.js serve` on a seeded store,
// loads it for a while, stops it and prints where the server's CPU time went.
//   node bench/profile.mjs bearer|vouch|introspect|refresh|login [seconds] [connections]
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as gh from './lib/gatehouse.mjs';
import { leasePool, runLoad } from './lib/load.mjs';
import { summarize } from './lib/cpuprofile.mjs';
import * as simple from './lib/simple.mjs';

const [scenario = 'bearer', secondsArg = '10', connArg = '10'] = process.argv.slice(2);
const seconds = Number(secondsArg);
const connections = Number(connArg);
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-profile-'));
const profDir = join(fileURLToPath(new URL('.', import.meta.url)), 'results', 'profiles');
mkdirSync(profDir, { recursive: true });
const before = new Set(readdirSync(profDir));
try {
  await gh.prepareStore(dir, { users: 1000 });
  const srv = await gh.startServer(dir, { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profDir] });
  const json = { 'content-type': 'application/json' };
  let requests;
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
  } else throw new Error(`unknown scenario ${scenario}`);
  const r = await runLoad({ url: srv.url, requests, connections, seconds });
  console.log(`${scenario}: ${r.rate.toFixed(0)} ops/s, p50 ${r.p50?.toFixed(2)} ms, p99 ${r.p99?.toFixed(2)} ms, errors ${r.errors}`);
  await srv.stop();
  const file = readdirSync(profDir).find((f) => !before.has(f) && f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no profile written');
  const s = summarize(join(profDir, file));
  console.log(`profile ${join(profDir, file)}: ${s.busy} busy samples\n-- self --\n${s.self}\n-- inclusive --\n${s.inclusive}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
