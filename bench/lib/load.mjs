// Load generation: autocannon when it can be resolved (bench/ dev dependency, or the root's), else a
// small closed-loop HTTP generator with the same request/context semantics (used by the smoke
// test, which must run on a fresh clone after only the root's `npm ci`).
//
// A scenario is an autocannon `requests` array: each entry may have `setupRequest(req, ctx)` and
// `onResponse(status, body, ctx, headers)`; `ctx` lives for one pass through the array.
// Latencies are recorded here (sub-millisecond precision) from each 2xx response.
import { createRequire } from 'node:module';
import http from 'node:http';

const require = createRequire(import.meta.url);

let autocannon;
try {
  // GATEHOUSE_BENCH_LOADGEN=builtin forces the built-in generator (as on a fresh clone).
  autocannon = process.env.GATEHOUSE_BENCH_LOADGEN === 'builtin' ? undefined : require('autocannon');
} catch {
  autocannon = undefined;
}

export const generator = () => (autocannon ? `autocannon ${require('autocannon/package.json').version}` : 'built-in (node:http)');

function percentile(sorted, p) {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summarize({ ok, non2xx, errors, timeouts, latencies, seconds, perOp }) {
  const lat = Float64Array.from(latencies).sort();
  const requests = ok + non2xx;
  return {
    requests,
    ok,
    rate: ok / seconds / perOp,
    requestRate: requests / seconds,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    errors: non2xx + errors + timeouts,
    non2xx,
    socketErrors: errors,
    timeouts,
    seconds,
  };
}

/**
 * One fixed-duration run. `perOp` divides the rate when one operation takes several requests
 * (the web flow). `forceBuiltin` skips autocannon (tests).
 */
export async function runLoad({ url, requests, connections, seconds, perOp = 1, forceBuiltin = false, timeoutSec = 10 }) {
  if (autocannon && !forceBuiltin) return runAutocannon({ url, requests, connections, seconds, perOp, timeoutSec });
  return runBuiltin({ url, requests, connections, seconds, perOp, timeoutSec });
}

function runAutocannon({ url, requests, connections, seconds, perOp, timeoutSec }) {
  return new Promise((resolve, reject) => {
    const latencies = [];
    const inst = autocannon(
      { url, connections, duration: seconds, requests, timeout: timeoutSec, pipelining: 1, excludeErrorStats: true },
      (err, result) => {
        if (err) return reject(err);
        let non2xx = 0;
        for (const k of ['1xx', '3xx', '4xx', '5xx']) non2xx += result[k] ?? 0;
        resolve(summarize({ ok: result['2xx'], non2xx, errors: result.errors, timeouts: result.timeouts, latencies, seconds, perOp }));
      },
    );
    inst.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
}

/** Closed loop: `connections` keep-alive sockets, each sending its next request when the last one answered. */
async function runBuiltin({ url, requests, connections, seconds, perOp, timeoutSec }) {
  const base = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const stats = { ok: 0, non2xx: 0, errors: 0, timeouts: 0, latencies: [] };
  const end = Date.now() + seconds * 1000;
  const send = (req) =>
    new Promise((resolve) => {
      const t0 = process.hrtime.bigint();
      const headers = { ...(req.headers ?? {}) };
      if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
      const r = http.request(
        { agent, hostname: base.hostname, port: base.port, method: req.method ?? 'GET', path: req.path ?? '/', headers, timeout: timeoutSec * 1000 },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
          res.on('error', () => resolve({ error: true }));
        },
      );
      r.on('timeout', () => {
        r.destroy();
        resolve({ timeout: true });
      });
      r.on('error', () => resolve({ error: true }));
      if (req.body !== undefined) r.write(req.body);
      r.end();
    });
  async function connection() {
    let ctx = {};
    let i = 0;
    while (Date.now() < end) {
      const spec = requests[i];
      let req = { method: spec.method, path: spec.path, headers: { ...(spec.headers ?? {}) }, body: spec.body };
      if (typeof spec.setupRequest === 'function') req = spec.setupRequest(req, ctx);
      if (!req) {
        i = 0;
        ctx = {};
        continue;
      }
      const res = await send(req);
      if (Date.now() > end && !res.status) break; // cut off by the deadline: not counted
      if (res.timeout) stats.timeouts++;
      else if (res.error) stats.errors++;
      else {
        if (res.status >= 200 && res.status < 300) {
          stats.ok++;
          stats.latencies.push(res.ms);
        } else stats.non2xx++;
        if (typeof spec.onResponse === 'function') spec.onResponse(res.status, res.body, ctx, res.headers);
      }
      i++;
      if (i === requests.length) {
        i = 0;
        ctx = {};
      }
    }
  }
  const t0 = Date.now();
  await Promise.all(Array.from({ length: connections }, connection));
  agent.destroy();
  return summarize({ ...stats, seconds: Math.max(seconds, (Date.now() - t0) / 1000), perOp });
}

/**
 * A pool of things leased for one request and handed back by the response (refresh-token pairs,
 * user names): every request takes one that no other request in flight holds.
 */
export function leasePool(items) {
  const free = [...items];
  return {
    take: () => free.pop(),
    give: (x) => void free.push(x),
    size: () => free.length,
  };
}
