import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, DB, describeDb, startServer, type TestServer } from '../support/server.js';
import { arcFixture } from '../support/fixtures/arc.js';
import { socketClient } from '../support/feathers-client.js';
import { parseMetrics, valueOf, type Sample } from './prometheus.js';

/**
 * GET /metrics (issue 15, item 6): sign-ins per dialect, requests by route pattern, lockouts,
 * refresh-token rotations and reuse, mails, sessions and the database pool, in Prometheus' text
 * format, without an id or a token in any label.
 */

const PASSWORD = 'temp123!@';

await describeDb('metrics', () => {
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  /** Every token and id the tests saw: none may appear in /metrics. */
  const secrets: string[] = [];
  let feathersJwt = '';

  beforeAll(async () => {
    srv = await startServer({ loginMaxFailures: 5, simpleCookieSigningKey: 'metrics-test-key' });
    req = client(srv.url);
    const fx = await arcFixture(srv.core);
    secrets.push(fx.user.uuid);
    await srv.core.accounts.create({ username: 'locked.user', password: PASSWORD, email: 'locked@example.com' });
  });
  afterAll(async () => {
    await srv?.close();
  });

  async function scrape(headers: Record<string, string> = {}): Promise<Sample[]> {
    const r = await fetch(`${srv.url}/metrics`, { headers });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseMetrics(await r.text());
  }
  const logins = (s: Sample[], dialect: string, result: string) => valueOf(s, 'gatehouse_logins_total', { dialect, result });

  it('counts one sign-in and one failed sign-in per dialect, by route pattern and status', async () => {
    const before = await scrape();
    for (const d of ['arc', 'basic', 'simple', 'feathers']) {
      expect(logins(before, d, 'success')).toBe(0);
      expect(logins(before, d, 'failure')).toBe(0);
    }
    const arc = (password: string) => req('POST', '/auth/login-token', { json: { client_id: 'web', client_secret: 'test', username: 'test_user', password } });
    const basic = (password: string) => req('POST', '/auth/login', { json: { email: 'xyz@gmail.com', password } });
    // simple-auth's double-submit CSRF: the header equals the cookie.
    const csrf = { cookie: '_csrf=metrics-csrf', 'x-csrf-token': 'metrics-csrf' };
    const simple = (password: string) => req('POST', '/api/v1/auth/session', { json: { username: 'test_user', password }, headers: csrf });
    const feathers = (password: string) => req('POST', '/authentication', { json: { strategy: 'local', email: 'xyz@gmail.com', password } });
    for (const [name, login, ok] of [
      ['arc', arc, 200],
      ['basic', basic, 200],
      ['simple', simple, 200],
      ['feathers', feathers, 201],
    ] as const) {
      const good = await login(PASSWORD);
      expect(good.status, name).toBe(ok);
      expect((await login('wrong-password')).status, name).toBe(401);
      for (const t of [good.body?.accessToken, good.body?.refreshToken, good.body?.tokens?.access?.token, good.body?.tokens?.refresh?.token]) if (typeof t === 'string') secrets.push(t);
    }
    // ARC's web flow (POST /auth/login with client_id) is ARC's sign-in too, though basic shares the path.
    expect((await req('POST', '/auth/login', { json: { client_id: 'web', client_secret: 'test', username: 'test_user', password: PASSWORD } })).status).toBe(200);
    // A Feathers JWT re-authentication is not a sign-in.
    const jwt = (await feathers(PASSWORD)).body.accessToken as string;
    secrets.push(jwt);
    feathersJwt = jwt;
    expect((await req('POST', '/authentication', { json: { strategy: 'jwt', accessToken: jwt } })).status).toBe(201);

    const after = await scrape();
    expect(logins(after, 'arc', 'success')).toBe(2);
    expect(logins(after, 'arc', 'failure')).toBe(1);
    expect(logins(after, 'basic', 'success')).toBe(1);
    expect(logins(after, 'basic', 'failure')).toBe(1);
    expect(logins(after, 'simple', 'success')).toBe(1);
    expect(logins(after, 'simple', 'failure')).toBe(1);
    expect(logins(after, 'feathers', 'success')).toBe(2);
    expect(logins(after, 'feathers', 'failure')).toBe(1);
    // Requests by route pattern and status, with their latency.
    expect(valueOf(after, 'gatehouse_http_requests_total', { method: 'POST', route: '/api/v1/auth/session', status: '401' })).toBe(1);
    expect(valueOf(after, 'gatehouse_http_request_duration_seconds_count', { method: 'POST', route: '/auth/login-token', status: '200' })).toBe(1);
    expect(valueOf(after, 'gatehouse_http_request_duration_seconds_bucket', { method: 'POST', route: '/auth/login-token', status: '200', le: '+Inf' })).toBe(1);
    expect(valueOf(after, 'gatehouse_http_request_duration_seconds_sum', { method: 'POST', route: '/auth/login-token', status: '200' })).toBeGreaterThan(0);
    // Node's own metrics are there too.
    expect(after.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect(after.some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it('counts Feathers sign-ins over socket.io, which pass through no HTTP route', async () => {
    const before = await scrape();
    const s = socketClient(srv.url);
    try {
      await s.app.authenticate({ strategy: 'local', email: 'xyz@gmail.com', password: PASSWORD });
      await expect(s.app.authenticate({ strategy: 'local', email: 'xyz@gmail.com', password: 'wrong-password' })).rejects.toMatchObject({ code: 401 });
    } finally {
      s.close();
    }
    const after = await scrape();
    expect(logins(after, 'feathers', 'success') - logins(before, 'feathers', 'success')).toBe(1);
    expect(logins(after, 'feathers', 'failure') - logins(before, 'feathers', 'failure')).toBe(1);
  });

  it('counts refresh-token rotations and reuse detections', async () => {
    const before = await scrape();
    const login = await req('POST', '/auth/login', { json: { email: 'xyz@gmail.com', password: PASSWORD } });
    const first = login.body.tokens.refresh.token as string;
    const rotated = await req('POST', '/auth/refresh-tokens', { json: { refreshToken: first } });
    expect(rotated.status).toBe(200);
    secrets.push(first, rotated.body.refresh.token, rotated.body.access.token);
    expect((await req('POST', '/auth/refresh-tokens', { json: { refreshToken: first } })).status).toBe(401);
    const after = await scrape();
    expect(valueOf(after, 'gatehouse_refresh_token_rotations_total') - valueOf(before, 'gatehouse_refresh_token_rotations_total')).toBe(1);
    expect(valueOf(after, 'gatehouse_refresh_token_reuse_detections_total') - valueOf(before, 'gatehouse_refresh_token_reuse_detections_total')).toBe(1);
  });

  it('counts lockouts, and sign-ins refused by them as locked', async () => {
    const before = await scrape();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await req('POST', '/auth/login', { json: { email: 'locked@example.com', password: `wrong-${i}` } })).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    const after = await scrape();
    expect(valueOf(after, 'gatehouse_lockouts_total') - valueOf(before, 'gatehouse_lockouts_total')).toBe(2);
    expect(logins(after, 'basic', 'locked') - logins(before, 'basic', 'locked')).toBe(2);
    expect(logins(after, 'basic', 'failure') - logins(before, 'basic', 'failure')).toBe(5);
  });

  it('counts mails sent', async () => {
    const before = await scrape();
    expect((await req('POST', '/auth/forgot-password', { json: { email: 'xyz@gmail.com' } })).status).toBe(204);
    let after = before;
    for (let i = 0; i < 50 && valueOf(after, 'gatehouse_mails_total', { result: 'sent' }) === valueOf(before, 'gatehouse_mails_total', { result: 'sent' }); i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await scrape();
    }
    expect(valueOf(after, 'gatehouse_mails_total', { result: 'sent' }) - valueOf(before, 'gatehouse_mails_total', { result: 'sent' })).toBe(1);
    expect(valueOf(after, 'gatehouse_mails_total', { result: 'failed' })).toBe(0);
  });

  it('labels carry route patterns, never an id, a token or a query string', async () => {
    const id = String(srv.core.jwt ? (JSON.parse(Buffer.from(feathersJwt.split('.')[1] ?? '', 'base64url').toString()) as { sub: string }).sub : '');
    expect(id).toMatch(/^\d+$/);
    expect((await req('GET', `/users/${id}`, { bearer: feathersJwt })).status).toBe(200);
    await req('GET', `/api/v1/account?token=query-secret-123&id=${secrets[0]}`);
    await req('GET', '/no/such/path/unmatched-secret-456?code=query-secret-789');
    await req('GET', '/api/v1/auth/onetime?token=onetime-secret-000');
    // Feathers' one-time code routes carry the code in the path.
    await req('PATCH', '/otp/otp-path-secret-314', { json: { email: 'xyz@gmail.com' } });
    const text = await (await fetch(`${srv.url}/metrics`)).text();
    const samples = parseMetrics(text);
    expect(valueOf(samples, 'gatehouse_http_requests_total', { method: 'GET', route: '/users/:id', status: '200' })).toBe(1);
    expect(valueOf(samples, 'gatehouse_http_requests_total', { route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'gatehouse_http_requests_total', { method: 'PATCH', route: '/otp/:otp' })).toBe(1);
    for (const s of [...secrets, `/users/${id}`, 'query-secret', 'unmatched-secret', 'onetime-secret', 'otp-path-secret']) expect(text, s).not.toContain(s);
    for (const s of samples) {
      for (const [k, v] of Object.entries(s.labels)) {
        if (k !== 'route') continue;
        // A route label is a pattern of the router: literal segments, `:params` and `*`.
        expect(v === 'unmatched' || /^\/[A-Za-z0-9_./:*-]*$/.test(v), v).toBe(true);
        expect(v).not.toMatch(/\/\d+(\/|$)|[0-9a-f]{8}-[0-9a-f]{4}-/);
      }
    }
  });

  it('shows the PostgreSQL pool, and no pool on SQLite', async () => {
    const s = await scrape();
    if (DB === 'postgres') {
      expect(valueOf(s, 'gatehouse_db_pool_max_connections')).toBe(10);
      expect(valueOf(s, 'gatehouse_db_pool_connections')).toBeGreaterThanOrEqual(1);
      expect(s.some((x) => x.name === 'gatehouse_db_pool_waiting_queries')).toBe(true);
      expect(s.some((x) => x.name === 'gatehouse_db_pool_idle_connections')).toBe(true);
    } else {
      expect(s.some((x) => x.name.startsWith('gatehouse_db_pool_'))).toBe(false);
    }
  });
});

await describeDb('metrics settings', () => {
  let servers: TestServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });

  it('with METRICS_TOKEN, /metrics answers only that bearer token', async () => {
    const srv = await startServer({ metricsToken: 'scrape-me-0123456789' });
    servers.push(srv);
    const none = await fetch(`${srv.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(await none.text()).not.toContain('gatehouse_');
    expect((await fetch(`${srv.url}/metrics`, { headers: { authorization: 'Bearer wrong-token' } })).status).toBe(401);
    expect((await fetch(`${srv.url}/metrics`, { headers: { authorization: 'Basic c2NyYXBlLW1lLTAxMjM0NTY3ODk=' } })).status).toBe(401);
    expect((await fetch(`${srv.url}/metrics`, { headers: { authorization: 'Bearer scrape-me-0123456789-and-more' } })).status).toBe(401);
    const ok = await fetch(`${srv.url}/metrics`, { headers: { authorization: 'Bearer scrape-me-0123456789' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('gatehouse_http_requests_total');
  });

  it('gauges the live sessions the store holds when scraped', async () => {
    const srv = await startServer();
    servers.push(srv);
    await arcFixture(srv.core);
    const req = client(srv.url);
    for (let i = 0; i < 3; i++) expect((await req('POST', '/auth/login', { json: { email: 'xyz@gmail.com', password: PASSWORD } })).status).toBe(200);
    const ended = await req('POST', '/auth/login', { json: { email: 'xyz@gmail.com', password: PASSWORD } });
    expect((await req('POST', '/auth/logout', { json: { refreshToken: ended.body.tokens.refresh.token } })).status).toBe(200);
    const s = parseMetrics(await (await fetch(`${srv.url}/metrics`)).text());
    expect(valueOf(s, 'gatehouse_active_sessions')).toBe(3);
  });

  it('counts a mail that could not be sent', async () => {
    // Nothing listens on port 1: the SMTP connection is refused.
    const srv = await startServer({ smtpUrl: 'smtp://127.0.0.1:1' });
    servers.push(srv);
    await arcFixture(srv.core);
    expect((await client(srv.url)('POST', '/auth/forgot-password', { json: { email: 'xyz@gmail.com' } })).status).toBe(204);
    let s: Sample[] = [];
    for (let i = 0; i < 100 && valueOf(s, 'gatehouse_mails_total', { result: 'failed' }) === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      s = parseMetrics(await (await fetch(`${srv.url}/metrics`)).text());
    }
    expect(valueOf(s, 'gatehouse_mails_total', { result: 'failed' })).toBe(1);
    expect(valueOf(s, 'gatehouse_mails_total', { result: 'sent' })).toBe(0);
  });

  it('with METRICS_ENABLED off there is no /metrics, and answers still carry their request id', async () => {
    const srv = await startServer({ metricsEnabled: false });
    servers.push(srv);
    const r = await fetch(`${srv.url}/metrics`);
    expect(r.status).toBe(404);
    expect(r.headers.get('x-request-id')).toBeTruthy();
    expect((await fetch(`${srv.url}/health/live`)).status).toBe(200);
  });
});
