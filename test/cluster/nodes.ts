import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { stopChild } from '../support/processes.js';
import { nginxScratch } from '../support/nginx.js';

/**
 * Real Gatehouse processes (the built `dist/cli.js serve`) and a real nginx in front of them,
 * for the cluster suite. Each process logs to memory; what is shown of it on a failure leaves
 * out every line that could carry a credential (the first start prints the default client's).
 */

export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');
export const NGINX = '/usr/sbin/nginx';

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });

/** The last lines of a process's output, without any that mention a secret or password. */
const tail = (out: string) =>
  out
    .split('\n')
    .filter((l) => l.trim() && !/secret|password|token/i.test(l))
    .slice(-15)
    .join('\n');

export interface Node {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
  out: () => string;
  /** The end of the output, lines that could carry a credential left out. */
  tail: () => string;
  exited: Promise<void>;
}

/** Starts `gatehouse serve` on a free loopback port; resolves once /health/ready answers 200 (a busy 2-core machine may take 30 s). */
export async function startNode(name: string, dir: string, env: Record<string, string>): Promise<Node> {
  const dataDir = join(dir, name);
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: { PATH: process.env.PATH ?? '', GATEHOUSE_DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) =>
    child.once('exit', (code) => {
      // SIGTERM ends a node with 0 and SIGKILL with no code: anything else is a crash, shown.
      if (code) console.warn(`node ${name} exited with ${code}:\n${tail(out)}`);
      r();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`node ${name} exited with ${child.exitCode}:\n${tail(out)}`);
    if (await fetch(`${url}/health/ready`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`node ${name} not ready within 60 s:\n${tail(out)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { name, port, url, child, out: () => out, tail: () => tail(out), exited };
}

/** SIGTERM, then SIGKILL if the process has not gone after `graceMs`. */
export async function stopNode(child: ChildProcess | undefined, graceMs = 10_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await stopChild(child);
  clearTimeout(timer);
}

export interface Balancer {
  url: string;
  child: ChildProcess;
}

/**
 * nginx round-robin over `ports`. A request that cannot reach its node (refused, reset before an
 * answer began) goes on to the next one: for POST only while nothing was sent, nginx's default
 * (a write is never replayed on a second node). A node that failed once is left out for 30 s.
 * Every answer names the node(s) that handled it in `X-Upstream`.
 */
export async function startNginx(dir: string, ports: number[]): Promise<Balancer> {
  for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, d), { recursive: true });
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
events { worker_connections 512; }
http {
  ${nginxScratch(dir)}
  upstream gatehouse {
${ports.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=30s;`).join('\n')}
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://gatehouse;
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries ${ports.length};
      proxy_connect_timeout 2s;
      proxy_read_timeout 20s;
      add_header X-Upstream $upstream_addr always;
    }
  }
}
`,
  );
  const errorLog = join(dir, 'error.log');
  const child = spawn(NGINX, ['-p', dir, '-c', conf, '-g', `daemon off; pid ${dir}/nginx.pid; error_log ${errorLog};`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const log = () => `${stderr}${existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : ''}`;
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${log()}`);
    if (await fetch(`${url}/health/live`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) throw new Error(`nginx did not answer on ${port}: ${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, child };
}
