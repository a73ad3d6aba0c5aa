import { afterAll, beforeAll, expect, it } from 'vitest';
import { Secret, TOTP } from 'otpauth';
import { client, describeDb, startServer, type TestServer } from '../support/server.js';
import { arcFixture } from '../support/fixtures/arc.js';

/** Requests that seem to come from `ip` (the server trusts X-Forwarded-For here). */
const from = (ip: string, extra: Record<string, string> = {}) => ({ 'x-forwarded-for': ip, ...extra });
const deviceOf = (headers: Headers) => headers.getSetCookie().find((c) => c.startsWith('gatehouse_device='))?.split(';')[0];
const CSRF = 'c'.repeat(32);
const CLIENTS = {
  svc: { secret: 'svc-secret', name: 'Service', redirecturi: 'http://example.com/cb', scopes: ['a'], allowclientcredentials: true },
};

await describeDb('lockout: nobody locks out somebody else', () => {
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  let fx: Awaited<ReturnType<typeof arcFixture>>;

  beforeAll(async () => {
    srv = await startServer({ trustProxy: true, loginMaxFailures: 5, loginMaxFailuresPerIp: 100, loginLockoutSeconds: 60, oauth2Clients: CLIENTS });
    req = client(srv.url);
    fx = await arcFixture(srv.core);
  });
  afterAll(() => srv.close());

  const arcLogin = (ip: string, password: string, headers: Record<string, string> = {}) => req('POST', '/auth/login-token', { json: fx.login(password), headers: from(ip, headers) });

  it("an attacker's wrong passwords do not stop the owner on a device or an address that signed in before", async () => {
    const onDevice = await arcLogin('10.1.0.1', 'temp123!@');
    expect(onDevice.status).toBe(200);
    const device = deviceOf(onDevice.headers);
    expect(device).toMatch(/^gatehouse_device=[0-9a-f]{32}$/);
    expect((await arcLogin('10.1.0.2', 'temp123!@')).status).toBe(200);
    // The attacker, from addresses that never signed in, until the account is closed to them.
    for (let i = 0; i < 5; i++) expect((await arcLogin(`10.66.0.${i}`, 'guess')).status).toBe(401);
    const refused = await arcLogin('10.66.0.9', 'temp123!@');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Guessing from unknown places stays bounded for the account, even with the right password.
    expect((await arcLogin('10.77.0.1', 'temp123!@')).status).toBe(429);
    // The owner: the browser with the device cookie, from a new network; and the known address.
    expect((await arcLogin('10.200.0.1', 'temp123!@', { cookie: device as string })).status).toBe(200);
    expect((await arcLogin('10.1.0.2', 'temp123!@')).status).toBe(200);
  });

  it("guesses from the owner's own address lock that address, not the owner's device", async () => {
    const u = await srv.core.accounts.create({ username: 'nat_user', password: 'nat-pass', clientIds: [fx.web.id] });
    const login = (password: string, headers: Record<string, string>) => req('POST', '/auth/login-token', { json: { ...fx.login(password), username: u.username }, headers });
    const first = await login('nat-pass', from('10.2.0.1'));
    const device = deviceOf(first.headers) as string;
    for (let i = 0; i < 5; i++) expect((await login('guess', from('10.2.0.1'))).status).toBe(401);
    expect((await login('nat-pass', from('10.2.0.1'))).status).toBe(429);
    expect((await login('nat-pass', from('10.2.0.1', { cookie: device }))).status).toBe(200);
  });

  it('a forged or unknown device cookie is an unknown source', async () => {
    const u = await srv.core.accounts.create({ username: 'forged', password: 'forged-pass', clientIds: [fx.web.id] });
    const login = (password: string, headers: Record<string, string>) => req('POST', '/auth/login-token', { json: { ...fx.login(password), username: u.username }, headers });
    for (let i = 0; i < 5; i++) expect((await login('guess', from(`10.3.0.${i}`, { cookie: `gatehouse_device=${String(i).repeat(32)}` }))).status).toBe(401);
    expect((await login('forged-pass', from('10.3.1.1', { cookie: `gatehouse_device=${'a'.repeat(32)}` }))).status).toBe(429);
  });

  it('wrong OAuth2 client secrets from one address never refuse the right secret from another', async () => {
    const token = (ip: string, secret: string) => req('POST', '/api/v1/auth/oauth2/token', { json: { grant_type: 'client_credentials', client_id: 'svc', client_secret: secret }, headers: from(ip) });
    for (let i = 0; i < 5; i++) expect((await token('10.4.0.1', 'wrong')).status).toBe(400);
    const locked = await token('10.4.0.1', 'wrong');
    expect(locked.status).toBe(429);
    expect((await token('10.4.0.1', 'svc-secret')).status).toBe(429);
    expect((await token('10.4.0.2', 'svc-secret')).status).toBe(200);
  });

  it('wrong ARC client secrets from one address never refuse the client from another', async () => {
    // A user of its own: the first test closed test_user to unknown addresses.
    await srv.core.accounts.create({ username: 'client_user', password: 'client-pass', clientIds: [fx.web.id] });
    const login = (ip: string, secret: string) => req('POST', '/auth/login-token', { json: { ...fx.login('client-pass'), username: 'client_user', client_secret: secret }, headers: from(ip) });
    for (let i = 0; i < 5; i++) expect((await login('10.5.0.1', 'wrong')).status).toBe(401);
    expect((await login('10.5.0.1', 'wrong')).status).toBe(429);
    expect((await login('10.5.0.2', 'test')).status).toBe(200);
  });

  it('a wrong old password counts as a failed sign-in of the account (ARC change-password)', async () => {
    const u = await srv.core.accounts.create({ username: 'changer', password: 'changer-pass', clientIds: [fx.web.id] });
    const t = (await req('POST', '/auth/login-token', { json: { ...fx.login('changer-pass'), username: u.username }, headers: from('10.6.0.1') })).body;
    const change = (oldPassword: string, ip: string) =>
      req('PATCH', '/auth/change-password', { json: { refreshToken: t.refreshToken, username: u.username, password: 'new-pass-1', oldPassword }, bearer: t.accessToken, headers: from(ip) });
    for (let i = 0; i < 5; i++) expect((await change('guess', `10.66.1.${i}`)).status).toBe(401);
    const locked = await change('guess', '10.66.1.9');
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('a wrong old password counts as a failed sign-in of the account (simple /local/password)', async () => {
    await srv.core.accounts.create({ username: 'localpw', email: 'localpw@example.com', password: 'local-pass' });
    const login = await req('POST', '/api/v1/auth/session', { json: { username: 'localpw', password: 'local-pass' }, headers: from('10.7.0.1', { cookie: `_csrf=${CSRF}`, 'x-csrf-token': CSRF }) });
    const auth = login.headers.getSetCookie().find((c) => c.startsWith('auth='))?.split(';')[0] as string;
    const change = (ip: string) =>
      req('POST', '/api/v1/local/password', { json: { oldpassword: 'guess', newpassword: 'next-pass' }, headers: from(ip, { cookie: `${auth}; _csrf=${CSRF}`, 'x-csrf-token': CSRF }) });
    for (let i = 0; i < 5; i++) expect((await change(`10.66.2.${i}`)).status).toBe(401);
    expect((await change('10.66.2.9')).status).toBe(429);
  });
});

await describeDb('lockout: only failures count, running checks do not', () => {
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  let fx: Awaited<ReturnType<typeof arcFixture>>;

  beforeAll(async () => {
    srv = await startServer({ loginMaxFailures: 5, loginLockoutSeconds: 60, oauth2Clients: CLIENTS });
    req = client(srv.url);
    fx = await arcFixture(srv.core);
    await srv.core.accounts.create({ username: 'par@example.com', email: 'par@example.com', password: 'Parallel-1!' });
  });
  afterAll(() => srv.close());

  it('20 parallel correct sign-ins of one account all succeed (ARC, basic, simple)', async () => {
    const arc = await Promise.all(Array.from({ length: 20 }, () => req('POST', '/auth/login-token', { json: fx.login() })));
    expect(arc.map((r) => r.status)).toEqual(Array(20).fill(200));
    const basic = await Promise.all(Array.from({ length: 20 }, () => req('POST', '/auth/login', { json: { email: 'par@example.com', password: 'Parallel-1!' } })));
    expect(basic.map((r) => r.status)).toEqual(Array(20).fill(200));
    const simple = await Promise.all(
      Array.from({ length: 20 }, () => req('POST', '/api/v1/auth/session', { json: { username: 'par@example.com', password: 'Parallel-1!' }, headers: { cookie: `_csrf=${CSRF}`, 'x-csrf-token': CSRF } })),
    );
    expect(simple.map((r) => r.status)).toEqual(Array(20).fill(200));
  });

  it('20 parallel token requests of one OAuth2 client with the right secret all succeed', async () => {
    const all = await Promise.all(Array.from({ length: 20 }, () => req('POST', '/api/v1/auth/oauth2/token', { json: { grant_type: 'client_credentials', client_id: 'svc', client_secret: 'svc-secret' } })));
    expect(all.map((r) => r.status)).toEqual(Array(20).fill(200));
  });

  it('20 parallel wrong passwords check at most five, then even the right one waits out the window', async () => {
    const u = await srv.core.accounts.create({ username: 'target', password: 'target-pass', clientIds: [fx.web.id] });
    const login = (password: string) => req('POST', '/auth/login-token', { json: { ...fx.login(password), username: u.username } });
    const statuses = (await Promise.all(Array.from({ length: 20 }, () => login('guess')))).map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    expect((await login('target-pass')).status).toBe(429);
  });

  it("parallel guesses at many accounts from one address check at most the address's budget", async () => {
    const small = await startServer({ loginMaxFailures: 5, loginMaxFailuresPerIp: 10, loginLockoutSeconds: 60 });
    try {
      const r = client(small.url);
      const all = await Promise.all(Array.from({ length: 120 }, (_, i) => r('POST', '/auth/login', { json: { email: `nobody${i}@example.com`, password: 'guess' } })));
      const statuses = all.map((x) => x.status);
      expect(statuses.filter((st) => st === 401)).toHaveLength(10);
      expect(statuses.filter((st) => st === 429)).toHaveLength(110);
    } finally {
      await small.close();
    }
  });

  it('wrong codes to remove the second factor count as failed sign-ins of the account', async () => {
    const s2 = await startServer({ apiExternal: true, apiSharedSecret: 'shared', simpleTwoFactorEnabled: true, loginMaxFailures: 5, loginLockoutSeconds: 60 });
    try {
      const r = client(s2.url);
      const u = await s2.core.accounts.create({ username: 'twofa', email: 'twofa@example.com', password: 'twofa-pass' });
      const secret = s2.core.secondFactor.newSecret();
      const code = new TOTP({ secret: Secret.fromBase32(secret.replace(/=+$/, '')) }).generate();
      await s2.core.secondFactor.enrol(u, secret, code);
      const remove = (c: string) => r('DELETE', `/api/v1/local/2fa?code=${c}`, { headers: { authorization: 'SharedKey shared', 'x-account-uuid': u.uuid } });
      const wrong = code === '000000' ? '111111' : '000000';
      for (let i = 0; i < 5; i++) expect((await remove(wrong)).status).toBe(401);
      const locked = await remove(wrong);
      expect(locked.status).toBe(429);
      expect(locked.body).toMatchObject({ reason: 'too-many-requests' });
    } finally {
      await s2.close();
    }
  });
});
