import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, decode, describeDb, startServer, type Res, type TestServer } from '../support/server.js';
import { arcFixture } from '../support/fixtures/arc.js';
import { startSmtp, tokenFromMail, type SmtpReceiver } from '../support/smtp.js';

/**
 * One user store under two dialects: an account made through basic signs in through ARC and
 * the other way round, and a password set through one is the password of the other.
 */

const RESET_URL = 'http://app.test/basic/reset?token={token}';
const ARC_PASSWORD = 'temp123!@';

type Request = ReturnType<typeof client>;
type Fixture = Awaited<ReturnType<typeof arcFixture>>;

let seq = 0;
const newEmail = (tag: string) => `${tag}.${process.pid}.${++seq}@example.com`;

function expectArcTokens(res: Res) {
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), expires: expect.any(Number) });
}

await describeDb('one user store across arc and basic', () => {
  let srv: TestServer;
  let smtp: SmtpReceiver;
  let req: Request;
  let fx: Fixture;

  beforeAll(async () => {
    smtp = await startSmtp();
    srv = await startServer({ smtpUrl: smtp.url, resetPasswordUrl: RESET_URL });
    req = client(srv.url);
    fx = await arcFixture(srv.core);
  });
  afterAll(async () => {
    await srv?.close();
    await smtp?.close();
  });

  const arcLogin = (username: string, password: string) =>
    req('POST', '/auth/login-token', { json: { client_id: 'web', client_secret: 'test', username, password } });
  const basicLogin = (email: string, password: string) => req('POST', '/auth/login', { json: { email, password } });
  const welcome = (token: string) => req('POST', '/auth', { bearer: token });

  async function basicRegister(email: string, password: string) {
    const res = await req('POST', '/auth/register', { json: { name: 'Cross Dialect', bio: null, email, password, confirm: password } });
    expect(res.status).toBe(201);
    return res.body as { user: { id: string }; tokens: { access: { token: string }; refresh: { token: string } } };
  }

  it('a basic-registered user signs in through ARC login-token once allowed on the client', async () => {
    const email = newEmail('basic');
    const reg = await basicRegister(email, 'B4sic!Pass');

    // Known to the store, but not yet allowed on client web.
    const before = await arcLogin(email, 'B4sic!Pass');
    expect(before.status).toBe(401);
    expect(before.body).toMatchObject({ error: { statusCode: 401 } });

    const user = await srv.core.accounts.byEmail(email);
    if (!user) throw new Error(`${email} is not in the store`);
    expect(user.uuid).toBe(reg.user.id);
    expect(user.username).toBe(email);
    await srv.core.accounts.allowClient(user.id, fx.web.id);

    const res = await arcLogin(email, 'B4sic!Pass');
    expectArcTokens(res);
    expect(decode(res.body.accessToken)).toMatchObject({ id: reg.user.id, username: email, email });
    // The ARC session works in ARC.
    const me = await req('GET', '/auth/me', { bearer: res.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: reg.user.id, username: email });
    // A wrong password is still wrong in ARC.
    expect((await arcLogin(email, 'B4sic!Wrong')).status).toBe(401);
  });

  it('the ARC fixture user signs in through basic by email', async () => {
    for (const email of ['xyz@gmail.com', 'XYZ@Gmail.com']) {
      const res = await basicLogin(email, ARC_PASSWORD);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        user: { id: fx.user.uuid, name: expect.any(String), bio: null, email: 'xyz@gmail.com' },
        tokens: { access: { token: expect.any(String), expires: expect.any(String) }, refresh: { token: expect.any(String), expires: expect.any(String) } },
      });
      expect(decode(res.body.tokens.access.token)).toMatchObject({ sub: fx.user.uuid, type: 'access' });
      const w = await welcome(res.body.tokens.access.token);
      expect(w.status).toBe(200);
      expect(w.body.user).toMatchObject({ email: 'xyz@gmail.com' });
    }
    expect((await basicLogin('xyz@gmail.com', 'temp123!@x')).status).toBe(401);
  });

  it('a password changed through ARC is the one basic accepts afterwards', async () => {
    const email = newEmail('arcchange');
    await basicRegister(email, 'Old!Pass1');
    const user = await srv.core.accounts.byEmail(email);
    if (!user) throw new Error(`${email} is not in the store`);
    await srv.core.accounts.allowClient(user.id, fx.web.id);
    const basicSession = await basicLogin(email, 'Old!Pass1');
    expect(basicSession.status).toBe(200);

    const arc = await arcLogin(email, 'Old!Pass1');
    expectArcTokens(arc);
    const changed = await req('PATCH', '/auth/change-password', {
      bearer: arc.body.accessToken,
      json: { username: email, password: 'New!Pass2', oldPassword: 'Old!Pass1', refreshToken: arc.body.refreshToken },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ success: true });

    expect((await basicLogin(email, 'Old!Pass1')).status).toBe(401);
    const after = await basicLogin(email, 'New!Pass2');
    expect(after.status).toBe(200);
    expect(after.body.user.email).toBe(email);
    expectArcTokens(await arcLogin(email, 'New!Pass2'));
    expect((await arcLogin(email, 'Old!Pass1')).status).toBe(401);
  });

  it('a password reset through basic is the one ARC login-token accepts afterwards', async () => {
    const arcBefore = await arcLogin('test_user', ARC_PASSWORD);
    expectArcTokens(arcBefore);
    const basicBefore = await basicLogin('xyz@gmail.com', ARC_PASSWORD);
    expect(basicBefore.status).toBe(200);

    expect((await req('POST', '/auth/forgot-password', { json: { email: 'xyz@gmail.com' } })).status).toBe(204);
    const mail = await smtp.waitFor((m) => m.rcpt.includes('xyz@gmail.com'));
    const token = tokenFromMail(mail.text, RESET_URL);
    expect(token).toBeTruthy();
    const reset = await req('POST', `/auth/reset-password?token=${encodeURIComponent(token as string)}`, { json: { password: 'R3set!Pass' } });
    expect(reset.status).toBe(200);

    expectArcTokens(await arcLogin('test_user', 'R3set!Pass'));
    const old = await arcLogin('test_user', ARC_PASSWORD);
    expect(old.status).toBe(401);
    expect(old.body).toMatchObject({ error: { statusCode: 401 } });
    expect((await basicLogin('xyz@gmail.com', 'R3set!Pass')).status).toBe(200);

    // The reset ended the sessions of both dialects.
    const arcRefresh = await req('POST', '/auth/token-refresh', { bearer: arcBefore.body.accessToken, json: { refreshToken: arcBefore.body.refreshToken } });
    expect(arcRefresh.status).toBe(401);
    expect((await req('GET', '/auth/me', { bearer: arcBefore.body.accessToken })).status).toBe(401);
    expect((await req('POST', '/auth/refresh-tokens', { json: { refreshToken: basicBefore.body.tokens.refresh.token } })).status).toBe(401);
    expect((await welcome(basicBefore.body.tokens.access.token)).status).toBe(403);
  });

  it('one account has one lockout, whichever dialect and identifier the guesses use', async () => {
    const locked = await startServer({ loginMaxFailures: 3, loginLockoutSeconds: 600 });
    try {
      const r = client(locked.url);
      await arcFixture(locked.core);
      const guesses = await Promise.all(
        Array.from({ length: 6 }, (_, i) => r('POST', '/auth/login', { json: { email: 'xyz@gmail.com', password: `Wrong${i}!pass` } })),
      );
      expect(guesses.some((g) => g.status === 429)).toBe(true);
      // Locked out through basic (by email), the account is locked through ARC (by username) too.
      const arc = await r('POST', '/auth/login-token', { json: { client_id: 'web', client_secret: 'test', username: 'test_user', password: ARC_PASSWORD } });
      // Soft assertions: each way round the lockout is reported on its own.
      expect.soft(arc.status, 'ARC login-token by username during a lockout earned by email').toBe(429);
      expect.soft(Number(arc.headers.get('retry-after'))).toBeGreaterThan(0);
      // And no spelling of the username gets past it either.
      for (const username of ['TEST_USER', ' test_user', 'test_user ']) {
        const v = await r('POST', '/auth/login-token', { json: { client_id: 'web', client_secret: 'test', username, password: ARC_PASSWORD } });
        expect.soft([401, 429], `login-token as ${JSON.stringify(username)} answered ${v.status}`).toContain(v.status);
      }
    } finally {
      await locked.close();
    }
  });
});
