// Child processes of the bench: servers on loopback, each its own process.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';

export const HOST = '127.0.0.1';

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, HOST, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resident memory of a process, bytes (Linux /proc). */
export function rssOf(pid) {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Starts `node <args>` and waits (bounded) until `readyPath` answers 2xx. Output is kept in
 * memory (last 64 KiB) and shown when the process fails.
 */
export async function startNode(args, { env = {}, port, readyPath = '/health', cwd, readyTimeoutMs = 60_000, name = args.join(' ') } = {}) {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d) => {
    out += d.toString();
    if (out.length > 65536) out = out.slice(-65536);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve((exited = { code, signal }))));
  const url = `http://${HOST}:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited) throw new Error(`${name} exited (${JSON.stringify(exited)}) before it was ready:\n${out}`);
    try {
      const r = await fetch(url + readyPath, { signal: AbortSignal.timeout(2000) });
      await r.arrayBuffer();
      if (r.ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} not ready after ${readyTimeoutMs} ms:\n${out}`);
    }
    await sleep(100);
  }
  return {
    url,
    pid: child.pid,
    output: () => out,
    rss: () => rssOf(child.pid),
    async stop() {
      if (exited) return exited;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const r = await exit;
      clearTimeout(t);
      return r;
    },
  };
}

/** Runs `node <args>` to completion (bounded); returns stdout, throws with output on failure. */
export function runNode(args, { env = {}, cwd, timeoutMs = 600_000 } = {}) {
  const r = spawnSync(process.execPath, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Runs a node script that prints one JSON line as its last line of output. */
export function runNodeJson(args, opts) {
  const out = runNode(args, opts).trim().split('\n');
  return JSON.parse(out[out.length - 1]);
}

/** CPU time (user + system, all threads) a process has used so far, seconds (Linux /proc; null elsewhere). */
export function cpuSecondsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, in USER_HZ (100 on Linux).
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}
