import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startServer, type TestServer } from '../support/server.js';
import { stopChild } from '../support/processes.js';
import { nginxScratch } from '../support/nginx.js';

/**
 * Reference §5: the vouch endpoint behind a real nginx `auth_request`, as in simple-auth's
 * docs/examples/docker-nginx. nginx forwards the X-User-Id answer header to the upstream.
 */

const NGINX = '/usr/sbin/nginx';
const missing = !existsSync(NGINX);
if (missing && process.env.CI) throw new Error(`CI requires nginx at ${NGINX} (.ci/run installs nginx-light)`);
if (missing) console.warn(`[simple-nginx] skipped: ${NGINX} not installed (apt-get install nginx-light)`);

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });

async function waitForPort(port: number, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''}`);
    try {
      await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual' });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nginx did not listen on ${port}: ${existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''}`);
}

(missing ? describe.skip : describe)('simple dialect vouch behind nginx auth_request', () => {
  let srv: TestServer;
  let upstream: Server;
  let nginx: ChildProcess | undefined;
  let dir: string;
  let port: number;
  const seen: (string | undefined)[] = [];

  beforeAll(async () => {
    srv = await startServer({ apiExternal: true, apiSharedSecret: 'super-secret', vouchEnabled: true, vouchUserHeader: 'X-User-Id', simpleCookieSigningKey: 'this-is-a-test' });
    upstream = createServer((req, res) => {
      const user = req.headers['x-user-id'];
      seen.push(typeof user === 'string' ? user : undefined);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path: req.url, user: user ?? null }));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    const upPort = (upstream.address() as AddressInfo).port;
    const ghPort = new URL(srv.url).port;

    dir = mkdtempSync(join(tmpdir(), 'gatehouse-nginx-'));
    for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi', 'logs']) mkdirSync(join(dir, d));
    port = await freePort();
    const conf = join(dir, 'nginx.conf');
    writeFileSync(
      conf,
      `worker_processes 1;
events { worker_connections 64; }
http {
  ${nginxScratch(dir)}
  server {
    listen 127.0.0.1:${port};
    location / {
      auth_request /auth-validate;
      auth_request_set $user $upstream_http_x_user_id;
      proxy_set_header X-User-Id $user;
      proxy_pass http://127.0.0.1:${upPort};
    }
    location = /auth-validate {
      internal;
      proxy_pass http://127.0.0.1:${ghPort}/api/v1/auth/vouch;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
    }
  }
}
`,
    );
    nginx = spawn(NGINX, ['-p', dir, '-c', conf, '-g', `daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log;`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    nginx.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitForPort(port, nginx, join(dir, 'error.log')).catch((e: Error) => {
      throw new Error(`${e.message}\n${stderr}`);
    });
  });
  afterAll(async () => {
    await stopChild(nginx);
    await new Promise((r) => upstream?.close(r));
    await srv?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('without a session the page is refused (401) and the upstream is not reached', async () => {
    const before = seen.length;
    const r = await fetch(`http://127.0.0.1:${port}/protected/page`, { redirect: 'manual' });
    expect(r.status).toBe(401);
    expect(seen.length).toBe(before);
    const forged = await fetch(`http://127.0.0.1:${port}/protected/page`, { headers: { cookie: 'auth=not.a.jwt' }, redirect: 'manual' });
    expect(forged.status).toBe(401);
    expect(seen.length).toBe(before);
  });

  it('with the session cookie the page is served and the upstream sees the account uuid in X-User-Id', async () => {
    const req = client(srv.url);
    const sk = { authorization: 'SharedKey super-secret' };
    const created = await req('POST', '/api/v1/account', { json: { username: 'proxied', password: 'proxy-pass', email: 'proxied@example.com' }, headers: sk });
    expect(created.status).toBe(201);
    const login = await req('POST', '/api/v1/auth/session', { json: { username: 'proxied', password: 'proxy-pass' }, headers: sk });
    expect(login.status).toBe(200);
    const cookie = login.headers
      .getSetCookie()
      .find((c) => c.startsWith('auth='))
      ?.split(';')[0];
    expect(cookie).toBeTruthy();
    const r = await fetch(`http://127.0.0.1:${port}/protected/page?x=1`, { headers: { cookie: String(cookie) }, redirect: 'manual' });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ path: '/protected/page?x=1', user: created.body.id });
    expect(seen.at(-1)).toBe(created.body.id);
    // A client cannot smuggle its own X-User-Id past nginx: the vouch answer replaces it.
    const smuggled = await fetch(`http://127.0.0.1:${port}/other`, { headers: { cookie: String(cookie), 'x-user-id': 'someone-else' }, redirect: 'manual' });
    expect((await smuggled.json()).user).toBe(created.body.id);
    const anon = await fetch(`http://127.0.0.1:${port}/other`, { headers: { 'x-user-id': 'someone-else' }, redirect: 'manual' });
    expect(anon.status).toBe(401);
  });
});
