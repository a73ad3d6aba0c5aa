import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { startGatehouse } from '../../src/server.js';
import { stopChild } from '../support/processes.js';
import { nginxScratch } from '../support/nginx.js';

/**
 * deploy/nginx/gatehouse.conf as shipped (issue 15, item 2): rendered with local ports and a
 * self-signed certificate, checked by `nginx -t`, then run in front of a Gatehouse and an
 * application: TLS, forwarded headers that a client cannot forge, the request id, and
 * forward-auth through the simple dialect's vouch endpoint.
 */

const NGINX = '/usr/sbin/nginx';
const RECIPE = join(import.meta.dirname, '..', '..', 'deploy', 'nginx', 'gatehouse.conf');
const missing = !existsSync(NGINX) ? `${NGINX} not installed (apt-get install nginx-light)` : !hasOpenssl() ? 'openssl not installed (needed for a test certificate)' : undefined;
if (missing && process.env.CI) throw new Error(`CI requires ${missing}`);
if (missing) console.warn(`[nginx-recipe] skipped: ${missing}`);

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });

/** The recipe with this machine's ports and files; every replaced text must be in it. */
function renderRecipe(text: string, p: { http: number; https: number; gatehouse: number; app: number; cert: string; key: string }): string {
  const swaps: [string, string][] = [
    ['listen 80;', `listen 127.0.0.1:${p.http};`],
    ['listen 443 ssl http2;', `listen 127.0.0.1:${p.https} ssl http2;`],
    ['/etc/ssl/gatehouse/fullchain.pem', p.cert],
    ['/etc/ssl/gatehouse/privkey.pem', p.key],
    ['server 127.0.0.1:8080;', `server 127.0.0.1:${p.gatehouse};`],
    ['proxy_pass http://127.0.0.1:3000;', `proxy_pass http://127.0.0.1:${p.app};`],
  ];
  let out = text;
  for (const [from, to] of swaps) {
    if (!out.includes(from)) throw new Error(`the recipe no longer contains "${from}"`);
    out = out.split(from).join(to);
  }
  return out;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

(missing ? describe.skip : describe)('deploy/nginx/gatehouse.conf in front of Gatehouse', () => {
  let dir: string;
  let nginx: ChildProcess | undefined;
  let app: Server;
  let gh: Awaited<ReturnType<typeof startGatehouse>>;
  let ports: { http: number; https: number; gatehouse: number; app: number };
  let ca: string;
  const logs: Record<string, unknown>[] = [];
  const seenByApp: IncomingHttpHeaders[] = [];

  /** An HTTPS request to nginx for `host`, checking its certificate against the test CA. */
  const call = (host: string, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
    new Promise<Answer>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: ports.https, servername: host, ca, method: opts.method ?? 'GET', path, headers: { host, ...(opts.headers ?? {}) } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.once('error', reject);
      req.end(opts.body);
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-nginx-recipe-'));
    for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, d));
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=auth.example.com', '-addext', 'subjectAltName=DNS:auth.example.com,DNS:app.example.com'], { stdio: 'ignore' });
    ca = readFileSync(cert, 'utf8');

    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n')) if (l) logs.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    // The settings the recipe's header asks for.
    const config = loadConfig({}, {
      databaseUrl: `sqlite:${join(dir, 'gh.db')}`,
      dataDir: dir,
      host: '127.0.0.1',
      port: 0,
      logLevel: 'info',
      hashMemoryKib: 1024,
      hashIterations: 1,
      trustProxy: true,
      publicUrl: 'https://auth.example.com',
      simpleBaseUrl: 'https://auth.example.com/',
      simpleCookieSecure: true,
      simpleCookieSigningKey: 'nginx-recipe-session-key',
      vouchEnabled: true,
      vouchUserHeader: 'X-User-Id',
    });
    // As server.ts's logger shows a request: its address as Fastify reads it (after TRUST_PROXY).
    gh = await startGatehouse(config, pino({ level: 'info', serializers: { req: (r: { ip?: string }) => ({ ip: r.ip }) } }, sink));
    await gh.app.listen({ host: '127.0.0.1', port: 0 });
    await gh.core.accounts.create({ username: 'proxied', password: 'proxied-pass', email: 'proxied@example.com' });

    app = createServer((req, res) => {
      seenByApp.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path: req.url, user: req.headers['x-user-id'] ?? null }));
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', () => r()));

    ports = { http: await freePort(), https: await freePort(), gatehouse: (gh.app.server.address() as AddressInfo).port, app: (app.address() as AddressInfo).port };
    writeFileSync(join(dir, 'gatehouse.conf'), renderRecipe(readFileSync(RECIPE, 'utf8'), { ...ports, cert, key }));
    writeFileSync(
      join(dir, 'nginx.conf'),
      `worker_processes 1;
error_log ${dir}/error.log;
pid ${dir}/nginx.pid;
events { worker_connections 64; }
http {
  ${nginxScratch(dir)}
  include ${dir}/gatehouse.conf;
}
`,
    );
  });

  afterAll(async () => {
    await stopChild(nginx);
    await new Promise((r) => app?.close(r));
    await gh?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('passes nginx -t', () => {
    const out = execFileSync(NGINX, ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toBe('');
  });

  it('runs: plain HTTP is sent to HTTPS, and Gatehouse answers over TLS', async () => {
    nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
    for (let i = 0; i < 100; i++) {
      if (await fetch(`http://127.0.0.1:${ports.http}/`, { redirect: 'manual' }).then(() => true, () => false)) break;
      if (nginx.exitCode !== null) throw new Error(`nginx exited: ${readFileSync(join(dir, 'error.log'), 'utf8')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const plain = await new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
      // node:http rather than fetch, which does not let a caller choose the Host header.
      httpRequest({ host: '127.0.0.1', port: ports.http, path: '/health/ready', headers: { host: 'auth.example.com' } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, location: res.headers.location });
      })
        .once('error', reject)
        .end();
    });
    expect(plain).toEqual({ status: 301, location: 'https://auth.example.com/health/ready' });
    const ready = await call('auth.example.com', '/health/ready');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'ready' });
    expect(ready.headers['strict-transport-security']).toBe('max-age=31536000');
  });

  it('Gatehouse sees the client address nginx saw, never one the client forged, and nginx’s request id', async () => {
    const r = await call('auth.example.com', '/health/live', { headers: { 'x-forwarded-for': '203.0.113.9', 'x-request-id': 'client-chosen' } });
    expect(r.status).toBe(200);
    // nginx's $request_id (32 hex digits) replaced the client's, and Gatehouse kept it.
    const id = String(r.headers['x-request-id']);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    const line = logs.find((l) => l.reqId === id && l.msg === 'incoming request') as { req: { ip: string } } | undefined;
    expect(line?.req.ip).toBe('127.0.0.1');
    expect(JSON.stringify(logs)).not.toContain('203.0.113.9');
  });

  it('serves /metrics to local scrapers', async () => {
    const r = await call('auth.example.com', '/metrics');
    expect(r.status).toBe(200);
    expect(r.body).toContain('gatehouse_http_requests_total');
  });

  it('forward-auth: without a session the application is not reached and the browser goes to the sign-in page', async () => {
    const before = seenByApp.length;
    const r = await call('app.example.com', '/page?a=1&b=2');
    expect(r.status).toBe(307);
    expect(r.headers.location).toBe(`https://auth.example.com/?continue=${encodeURIComponent('https://app.example.com/page?a=1&b=2')}`);
    const forged = await call('app.example.com', '/page', { headers: { cookie: 'auth=not.a.jwt', 'x-user-id': 'someone-else' } });
    expect(forged.status).toBe(307);
    expect(seenByApp.length).toBe(before);
  });

  it('forward-auth: with the session cookie the application is served and told who signed in', async () => {
    const csrf = { cookie: '_csrf=recipe', 'x-csrf-token': 'recipe', 'content-type': 'application/json' };
    const login = await call('auth.example.com', '/api/v1/auth/session', { method: 'POST', headers: csrf, body: JSON.stringify({ username: 'proxied', password: 'proxied-pass' }) });
    expect(login.status).toBe(200);
    const uuid = (JSON.parse(login.body) as { id: string }).id;
    const setCookie = (login.headers['set-cookie'] ?? []).find((c) => c.startsWith('auth='));
    expect(setCookie).toMatch(/; Secure/i);
    const cookie = String(setCookie).split(';')[0] as string;
    const r = await call('app.example.com', '/page?x=1', { headers: { cookie, 'x-user-id': 'someone-else' } });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ path: '/page?x=1', user: uuid });
    expect(seenByApp.at(-1)?.['x-forwarded-proto']).toBe('https');
  });
});
