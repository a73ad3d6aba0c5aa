// What the PostgreSQL and cluster rows run on: a fresh PostgreSQL database per run (dropped at the
// end), a unique Redis key prefix (its keys deleted at the end), and nginx as a round-robin load
// balancer on loopback in front of several Gatehouse nodes.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { freePort, HOST, sleep } from './proc.mjs';

const rootRequire = createRequire(fileURLToPath(new URL('../../package.json', import.meta.url)));

/** The server the bench creates its databases on (BENCH_PG_URL, default: the local postgres superuser). */
export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

const urlWithDb = (name) => {
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
};

async function adminQuery(q) {
  const pg = rootRequire('pg');
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    return await c.query(q);
  } finally {
    await c.end();
  }
}

/** Whether PostgreSQL answers (the PostgreSQL rows are skipped, with a note, when it does not). */
export async function pgAvailable() {
  try {
    await adminQuery('select 1');
    return true;
  } catch {
    return false;
  }
}

/** A fresh, empty database: {url, drop()}. */
export async function createPgDatabase(tag) {
  const name = `gatehouse_bench_${tag}_${process.pid}_${randomBytes(3).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  return {
    name,
    url: urlWithDb(name),
    async drop() {
      await adminQuery(`drop database if exists ${name} with (force)`);
    },
  };
}

/** Whether Redis answers, and a unique key prefix with a function deleting its keys. */
export async function redisPrefix(tag) {
  const Redis = rootRequire('ioredis');
  const prefix = `gatehouse-bench:${tag}:${process.pid}:${randomBytes(3).toString('hex')}:`;
  const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await probe.connect();
    await probe.ping();
  } catch {
    probe.disconnect();
    return undefined;
  }
  return {
    url: REDIS_URL,
    prefix,
    async drop() {
      let cursor = '0';
      do {
        const [next, keys] = await probe.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await probe.del(...keys);
      } while (cursor !== '0');
      probe.disconnect();
    },
  };
}

export const NGINX = process.env.BENCH_NGINX ?? '/usr/sbin/nginx';
export const nginxAvailable = () => existsSync(NGINX);

/**
 * nginx on a free loopback port, round-robin over `upstreams` (URLs), keep-alive to them, one
 * worker process (on a 2-core machine the bench already has the load generator and the nodes).
 */
export async function startNginx(dir, upstreams, { workers = 1 } = {}) {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes ${workers};
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'logs', 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  upstream gatehouse {
${upstreams.map((u) => `    server ${new URL(u).host};`).join('\n')}
    keepalive 64;
  }
  server {
    listen ${HOST}:${port};
    location / {
      proxy_pass http://gatehouse;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
    }
  }
}
`,
  );
  const child = spawn(NGINX, ['-p', dir, '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  let exited = null;
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve((exited = { code, signal }))));
  const url = `http://${HOST}:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited) throw new Error(`nginx exited (${JSON.stringify(exited)}):\n${out}`);
    try {
      const r = await fetch(url + '/health', { signal: AbortSignal.timeout(2000) });
      await r.arrayBuffer();
      if (r.ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx not ready:\n${out}`);
    }
    await sleep(100);
  }
  return {
    url,
    pid: child.pid,
    /** Worker pids (for pinning): nginx's children. */
    workers: () => (spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).stdout ?? '').split('\n').filter(Boolean).map(Number),
    async stop() {
      if (exited) return exited;
      child.kill('SIGQUIT');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const r = await exit;
      clearTimeout(t);
      return r;
    },
  };
}
