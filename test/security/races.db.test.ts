import { afterAll, beforeAll, expect, it } from 'vitest';
import pg from 'pg';
import { DB, client, describeDb, startServer, type TestServer } from '../support/server.js';

const CSRF = 'c'.repeat(32);
const until = async (check: () => Promise<boolean>, ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
};

await describeDb('races with a password change or a block', () => {
  let srv: TestServer;
  let req: ReturnType<typeof client>;

  beforeAll(async () => {
    srv = await startServer({ vouchEnabled: true, loginMaxFailures: 0, loginMaxFailuresPerIp: 0 });
    req = client(srv.url);
  });
  afterAll(() => srv.close());

  it('sign-ins that checked the old password while it changed leave no live session (basic, simple)', async () => {
    const user = await srv.core.accounts.create({ username: 'racer@example.com', email: 'racer@example.com', password: 'Old-pass-1!' });
    const basic = Array.from({ length: 24 }, () => req('POST', '/auth/login', { json: { email: 'racer@example.com', password: 'Old-pass-1!' } }));
    const simple = Array.from({ length: 24 }, () =>
      req('POST', '/api/v1/auth/session', { json: { username: 'racer@example.com', password: 'Old-pass-1!' }, headers: { cookie: `_csrf=${CSRF}`, 'x-csrf-token': CSRF } }),
    );
    await new Promise((r) => setTimeout(r, 15));
    await srv.core.accounts.setPassword(user, 'New-pass-1!', { via: 'cli' });
    const [b, s] = await Promise.all([Promise.all(basic), Promise.all(simple)]);
    for (const r of b.filter((x) => x.status === 200)) {
      expect((await req('POST', '/auth', { bearer: r.body.tokens.access.token })).status).toBe(403);
      expect((await req('POST', '/auth/refresh-tokens', { json: { refreshToken: r.body.tokens.refresh.token } })).status).toBe(401);
    }
    for (const r of s.filter((x) => x.status === 200)) {
      const cookie = r.headers.getSetCookie().find((c) => c.startsWith('auth='))?.split(';')[0] as string;
      expect((await req('GET', '/api/v1/auth/vouch', { headers: { cookie } })).status).toBe(401);
    }
    // Every attempt ended one way or the other, and the new password works.
    expect([...b, ...s].every((r) => r.status === 200 || r.status === 401)).toBe(true);
    expect((await req('POST', '/auth/login', { json: { email: 'racer@example.com', password: 'New-pass-1!' } })).status).toBe(200);
  });

  it.runIf(DB === 'postgres')('a block committed long after later feed events still reaches the running server', async () => {
    const user = await srv.core.accounts.create({ username: 'late', email: 'late@example.com', password: 'late-pass' });
    const login = await req('POST', '/api/v1/auth/session', { json: { username: 'late', password: 'late-pass' }, headers: { cookie: `_csrf=${CSRF}`, 'x-csrf-token': CSRF } });
    const cookie = login.headers.getSetCookie().find((c) => c.startsWith('auth='))?.split(';')[0] as string;
    expect((await req('GET', '/api/v1/auth/vouch', { headers: { cookie } })).status).toBe(200);
    // An administrator's transaction: its feed id is taken now, its commit comes 12 s later.
    const admin = new pg.Client({ connectionString: srv.config.databaseUrl });
    await admin.connect();
    try {
      await admin.query('begin');
      await admin.query('update users set status = 2 where id = $1', [user.id]);
      // Later events commit meanwhile (another account's password changes).
      const other = await srv.core.accounts.create({ username: 'busy', password: 'busy-pass' });
      for (let i = 0; i < 3; i++) {
        await srv.core.accounts.setPassword(other, `busy-pass-${i}`, { via: 'cli' });
        await new Promise((r) => setTimeout(r, 4000));
      }
      expect((await req('GET', '/api/v1/auth/vouch', { headers: { cookie } })).status).toBe(200);
      await admin.query('commit');
    } finally {
      await admin.end();
    }
    expect(await until(async () => (await req('GET', '/api/v1/auth/vouch', { headers: { cookie } })).status === 401, 1500)).toBe(true);
  }, 40_000);
});
