import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, decode, describeDb, startServer, type Res, type TestServer } from '../support/server.js';
import { startSmtp, tokenFromMail, type SmtpReceiver } from '../support/smtp.js';

/**
 * The basic dialect ("Authentication API v1.0.0") as the reference's recommendation states it:
 * the documented statuses with the boilerplate's intended bodies, never the original's 500s.
 */

const SECRET = 'supersecret';
const RESET_URL = 'http://app.test/reset-password?token={token}';
const PASSWORD = 'Secr3t!pass';

type Request = ReturnType<typeof client>;
interface TokenJson {
  token: string;
  expires: string;
}
interface AuthBody {
  user: { id: string; name: string; bio: string | null; email: string };
  tokens: { access: TokenJson; refresh: TokenJson };
}

let seq = 0;
/** A fresh address per call, so tests do not share accounts. */
const newEmail = (tag: string) => `${tag}.${process.pid}.${++seq}@example.com`;

function registration(email: string, over: Record<string, unknown> = {}) {
  return { name: 'Alice Liddell', bio: 'Down the rabbit hole', email, password: PASSWORD, confirm: PASSWORD, ...over };
}

/** HS256 signature check with node:crypto, as a client holding JWT_SECRET would do it. */
function verifiesWithSecret(jwt: string, secret: string): boolean {
  const parts = jwt.split('.');
  if (parts.length !== 3) return false;
  const [head, body, sig] = parts as [string, string, string];
  const expected = createHmac('sha256', secret).update(`${head}.${body}`).digest();
  const given = Buffer.from(sig, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Signs arbitrary claims with a key, to build tokens the server did not issue. */
function forge(claims: Record<string, unknown>, secret: string, typ = 'JWT'): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const signing = `${b64({ alg: 'HS256', typ })}.${b64(claims)}`;
  return `${signing}.${createHmac('sha256', secret).update(signing).digest('base64url')}`;
}

/** Every key of a JSON value, at any depth. */
function keysDeep(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) keysDeep(x, out);
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      out.push(k);
      keysDeep(x, out);
    }
  return out;
}

function expectNoSecrets(res: Res) {
  const keys = keysDeep(res.body).map((k) => k.toLowerCase());
  expect(keys).not.toContain('password');
  expect(keys.filter((k) => k.includes('hash'))).toEqual([]);
  expect(res.text).not.toMatch(/\$argon2|\$2[aby]\$/);
}

function expectIsoInFuture(value: unknown, minMs: number, maxMs: number) {
  expect(typeof value).toBe('string');
  expect(new Date(value as string).toISOString()).toBe(value);
  const ms = Date.parse(value as string);
  expect(ms).toBeGreaterThan(Date.now() + minMs);
  expect(ms).toBeLessThan(Date.now() + maxMs);
}

/** `{user:{id,name,bio,email}, tokens:{access:{token,expires},refresh:{token,expires}}}` and nothing secret. */
function expectAuthResponse(res: Res, user: { name: string; bio: string | null; email: string }) {
  expect(res.body).toEqual({
    user: { id: expect.any(String), name: user.name, bio: user.bio, email: user.email },
    tokens: {
      access: { token: expect.any(String), expires: expect.any(String) },
      refresh: { token: expect.any(String), expires: expect.any(String) },
    },
  });
  expectNoSecrets(res);
}

function expectValidation400(res: Res, field: string) {
  expect(res.status).toBe(400);
  expect(res.body).toMatchObject({ status: 400, error: { issues: expect.any(Array) } });
  const issues = (res.body as { error: { issues: { path: unknown[]; message: unknown }[] } }).error.issues;
  expect(issues.length).toBeGreaterThan(0);
  expect(issues.some((i) => Array.isArray(i.path) && i.path.includes(field))).toBe(true);
  for (const i of issues) expect(typeof i.message).toBe('string');
}

function expectError(res: Res, status: number) {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ error: expect.any(String) });
}

await describeDb('basic dialect', () => {
  let srv: TestServer;
  let smtp: SmtpReceiver;
  let req: Request;

  beforeAll(async () => {
    smtp = await startSmtp();
    srv = await startServer({ smtpUrl: smtp.url, mailFrom: 'Gatehouse <no-reply@gatehouse.test>', resetPasswordUrl: RESET_URL });
    req = client(srv.url);
  });
  afterAll(async () => {
    await srv?.close();
    await smtp?.close();
  });

  async function register(email = newEmail('user'), over: Record<string, unknown> = {}) {
    const res = await req('POST', '/auth/register', { json: registration(email, over) });
    expect(res.status).toBe(201);
    return res.body as AuthBody;
  }
  const login = (email: string, password: string) => req('POST', '/auth/login', { json: { email, password } });
  const welcome = (token?: string) => req('POST', '/auth', token === undefined ? {} : { bearer: token });
  const refresh = (refreshToken: string) => req('POST', '/auth/refresh-tokens', { json: { refreshToken } });

  it('registers: 201 with the user and both tokens, and never a password or hash', async () => {
    const email = newEmail('reg');
    const res = await req('POST', '/auth/register', { json: registration(email) });
    expect(res.status).toBe(201);
    expectAuthResponse(res, { name: 'Alice Liddell', bio: 'Down the rabbit hole', email });
    const stored = await srv.core.accounts.byEmail(email);
    expect(res.body.user.id).toBe(stored?.uuid);
  });

  it('registers without a bio (bio comes back null)', async () => {
    const email = newEmail('nobio');
    const res = await req('POST', '/auth/register', { json: registration(email, { bio: null }) });
    expect(res.status).toBe(201);
    expectAuthResponse(res, { name: 'Alice Liddell', bio: null, email });
  });

  it('issues an HS256 access JWT {sub, iat, exp, type:"access"} that verifies with the shared secret', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { user, tokens } = await register();
    const access = tokens.access;
    const head = JSON.parse(Buffer.from(access.token.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(head.alg).toBe('HS256');
    expect(verifiesWithSecret(access.token, SECRET)).toBe(true);
    expect(verifiesWithSecret(access.token, 'not-the-secret')).toBe(false);
    const claims = decode(access.token);
    expect(claims).toMatchObject({ sub: user.id, type: 'access', iat: expect.any(Number), exp: expect.any(Number) });
    expect(claims.iat as number).toBeGreaterThanOrEqual(before - 1);
    expect((claims.exp as number) - (claims.iat as number)).toBe(srv.config.basicAccessMinutes * 60);
    // `expires` are ISO dates in the future: the access one is the JWT's exp, the refresh one later.
    expect(Date.parse(access.expires)).toBe((claims.exp as number) * 1000);
    expectIsoInFuture(access.expires, 0, srv.config.basicAccessMinutes * 60_000 + 5000);
    const refreshExp = tokens.refresh.expires;
    expectIsoInFuture(refreshExp, srv.config.basicRefreshMinutes * 60_000 - 60_000, srv.config.basicRefreshMinutes * 60_000 + 60_000);
  });

  it('refuses invalid registrations with 400 {error: {issues}, status: 400} and creates no account', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['name', { name: 'Abcd' }],
      ['name', { name: 'A'.repeat(21) }],
      ['email', { email: 'not-an-email' }],
      ['password', { password: 'lower1!case', confirm: 'lower1!case' }],
      ['password', { password: 'UPPER1!CASE', confirm: 'UPPER1!CASE' }],
      ['password', { password: 'NoDigits!!', confirm: 'NoDigits!!' }],
      ['password', { password: 'NoSpecial12', confirm: 'NoSpecial12' }],
      ['bio', { bio: 'b'.repeat(101) }],
      ['confirm', { confirm: 'Different1!' }],
    ];
    for (const [field, over] of cases) {
      const email = typeof over.email === 'string' ? over.email : newEmail('invalid');
      const res = await req('POST', '/auth/register', { json: registration(email, over) });
      expectValidation400(res, field);
      if (field !== 'email') expect(await srv.core.accounts.byEmail(email)).toBeUndefined();
    }
    for (const missing of ['name', 'email', 'password', 'confirm']) {
      const body: Record<string, unknown> = registration(newEmail('missing'));
      delete body[missing];
      expectValidation400(await req('POST', '/auth/register', { json: body }), missing);
    }
    const empty = await req('POST', '/auth/register', { json: {} });
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ status: 400, error: { issues: expect.any(Array) } });
  });

  it('refuses a taken email with 400 {"error":"Email already taken"}, whatever its case', async () => {
    const email = newEmail('dup');
    await register(email);
    const again = await req('POST', '/auth/register', { json: registration(email) });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ error: 'Email already taken' });
    const upper = await req('POST', '/auth/register', { json: registration(email.toUpperCase()) });
    expect(upper.status).toBe(400);
    expect(upper.body).toEqual({ error: 'Email already taken' });
  });

  it('logs in through POST /auth/login {email,password}: 200 with the same shape', async () => {
    const email = newEmail('login');
    const reg = await register(email);
    const res = await login(email, PASSWORD);
    expect(res.status).toBe(200);
    expectAuthResponse(res, { name: 'Alice Liddell', bio: 'Down the rabbit hole', email });
    expect(res.body.user.id).toBe(reg.user.id);
    expect(decode(res.body.tokens.access.token)).toMatchObject({ sub: reg.user.id, type: 'access' });
    expect(res.body.tokens.refresh.token).not.toBe(reg.tokens.refresh.token);
  });

  it('matches the login email case-insensitively', async () => {
    const email = `Mixed.Case.${process.pid}.${++seq}@Example.COM`;
    const reg = await register(email);
    for (const variant of [email.toLowerCase(), email.toUpperCase(), email]) {
      const res = await login(variant, PASSWORD);
      expect(res.status).toBe(200);
      expect(res.body.user.id).toBe(reg.user.id);
    }
  });

  it('answers a wrong password and an unknown email alike: 401 {"error": string}', async () => {
    const email = newEmail('wrong');
    await register(email);
    const wrong = await login(email, 'Wrong1!pass');
    expectError(wrong, 401);
    const unknown = await login(newEmail('nobody'), PASSWORD);
    expectError(unknown, 401);
    expect(unknown.body).toEqual(wrong.body);
  });

  it('validates the login body with the basic envelope', async () => {
    const res = await req('POST', '/auth/login', { json: { email: newEmail('x') } });
    expectValidation400(res, 'password');
  });

  it('POST /auth welcomes the bearer of an access token and refuses the rest', async () => {
    const email = newEmail('welcome');
    const { tokens } = await register(email, { name: 'Bob Builder', bio: 'Can we fix it' });
    const ok = await welcome(tokens.access.token);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ message: expect.any(String), user: { name: 'Bob Builder', bio: 'Can we fix it', email } });
    expectNoSecrets(ok);

    const none = await welcome();
    expectError(none, 401);

    expect((await welcome('garbage')).status).toBe(403);
    expect((await welcome('a.b.c')).status).toBe(403);
    // A refresh token is not an access token (the original let it through).
    expect((await welcome(tokens.refresh.token)).status).toBe(403);
    const claims = decode(tokens.access.token);
    // Same claims signed with another key; a validly signed token of another type; an expired one.
    expect((await welcome(forge(claims, 'not-the-secret'))).status).toBe(403);
    expect((await welcome(forge({ ...claims, type: 'refresh' }, SECRET))).status).toBe(403);
    const past = Math.floor(Date.now() / 1000) - 60;
    expect((await welcome(forge({ ...claims, iat: past - 60, exp: past }, SECRET))).status).toBe(403);
  });

  it('rotates refresh tokens: 200 {access, refresh} with a new refresh token that works', async () => {
    const { tokens } = await register();
    const res = await refresh(tokens.refresh.token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ access: { token: expect.any(String), expires: expect.any(String) }, refresh: { token: expect.any(String), expires: expect.any(String) } });
    expect(res.body.refresh.token).not.toBe(tokens.refresh.token);
    expect(verifiesWithSecret(res.body.access.token, SECRET)).toBe(true);
    expectIsoInFuture(res.body.access.expires, 0, srv.config.basicAccessMinutes * 60_000 + 5000);
    expectIsoInFuture(res.body.refresh.expires, 0, srv.config.basicRefreshMinutes * 60_000 + 60_000);
    expect((await welcome(res.body.access.token)).status).toBe(200);
    const next = await refresh(res.body.refresh.token);
    expect(next.status).toBe(200);
  });

  it('ends the whole family when a rotated refresh token is reused', async () => {
    const { tokens } = await register();
    const first = tokens.refresh.token;
    const rotated = await refresh(first);
    expect(rotated.status).toBe(200);
    expect((await welcome(rotated.body.access.token)).status).toBe(200);

    expectError(await refresh(first), 401);
    // The reuse revoked the family: the successor and every access token of it are dead.
    expectError(await refresh(rotated.body.refresh.token), 401);
    expect((await welcome(rotated.body.access.token)).status).toBe(403);
    expect((await welcome(tokens.access.token)).status).toBe(403);
  });

  it('lets exactly one of two parallel rotations of one refresh token succeed', async () => {
    const { tokens } = await register();
    const results = await Promise.all([refresh(tokens.refresh.token), refresh(tokens.refresh.token)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('refuses unknown and malformed refresh requests', async () => {
    expectError(await refresh('0'.repeat(64)), 401);
    expect((await req('POST', '/auth/refresh-tokens', { json: {} })).status).toBe(400);
  });

  it('logs out: 200 with an empty body; the refresh and access tokens are dead afterwards', async () => {
    const { tokens } = await register();
    expect((await welcome(tokens.access.token)).status).toBe(200);
    const res = await req('POST', '/auth/logout', { json: { refreshToken: tokens.refresh.token } });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expectError(await refresh(tokens.refresh.token), 401);
    expect((await welcome(tokens.access.token)).status).toBe(403);
    // Logging out twice is a bad request, as is an unknown token.
    expectError(await req('POST', '/auth/logout', { json: { refreshToken: tokens.refresh.token } }), 400);
  });

  it('answers 400 to a logout with an unknown or missing refresh token', async () => {
    expectError(await req('POST', '/auth/logout', { json: { refreshToken: 'f'.repeat(64) } }), 400);
    expect((await req('POST', '/auth/logout', { json: {} })).status).toBe(400);
  });

  it('forgot-password: the same 204 for known and unknown emails; only the known one gets a mail', async () => {
    const email = newEmail('forgot');
    const stranger = newEmail('stranger');
    const reg = await register(email);
    const unknown = await req('POST', '/auth/forgot-password', { json: { email: stranger } });
    const known = await req('POST', '/auth/forgot-password', { json: { email } });
    expect(known.status).toBe(204);
    expect(unknown.status).toBe(204);
    expect(known.text).toBe('');
    expect(unknown.text).toBe('');
    expect(known.headers.get('content-type')).toBe(unknown.headers.get('content-type'));

    const mail = await smtp.waitFor((m) => m.rcpt.includes(email.toLowerCase()));
    expect(mail.to).toContain(email);
    expect(mail.from).toBe('no-reply@gatehouse.test');
    expect(mail.subject).toMatch(/reset/i);
    const token = tokenFromMail(mail.text, RESET_URL);
    expect(token).toBeTruthy();
    expect(decode(token as string)).toMatchObject({ sub: reg.user.id, type: 'resetPassword' });
    // A reset token is not an access token.
    expect((await welcome(token as string)).status).toBe(403);

    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.messages.filter((m) => m.rcpt.includes(stranger.toLowerCase()))).toEqual([]);
    expect((await req('POST', '/auth/forgot-password', { json: {} })).status).toBe(400);
  });

  it('resets the password with the mailed token: once, strong passwords only, sessions ended', async () => {
    const email = newEmail('reset');
    const reg = await register(email);
    const session = await login(email, PASSWORD);
    expect(session.status).toBe(200);

    expect((await req('POST', '/auth/forgot-password', { json: { email } })).status).toBe(204);
    const mail = await smtp.waitFor((m) => m.rcpt.includes(email.toLowerCase()));
    const token = tokenFromMail(mail.text, RESET_URL) as string;
    expect(token).toBeTruthy();
    const resetPath = `/auth/reset-password?token=${encodeURIComponent(token)}`;

    // Refused before the token is spent: a weak password, the current password, no token, a wrong token.
    expectValidation400(await req('POST', resetPath, { json: { password: 'weakpassword' } }), 'password');
    expect((await req('POST', resetPath, { json: { password: PASSWORD } })).status).toBe(400);
    expect((await req('POST', '/auth/reset-password', { json: { password: 'N3w!Password' } })).status).toBe(400);
    expectError(await req('POST', '/auth/reset-password?token=not-a-token', { json: { password: 'N3w!Password' } }), 401);

    const ok = await req('POST', resetPath, { json: { password: 'N3w!Password' } });
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('');

    expectError(await login(email, PASSWORD), 401);
    const fresh = await login(email, 'N3w!Password');
    expect(fresh.status).toBe(200);
    expect(fresh.body.user.id).toBe(reg.user.id);

    // Single use.
    expectError(await req('POST', resetPath, { json: { password: 'An0ther!Password' } }), 401);
    expect((await login(email, 'N3w!Password')).status).toBe(200);

    // Every session that existed before the reset is over.
    for (const t of [reg.tokens, (session.body as AuthBody).tokens]) {
      expectError(await refresh(t.refresh.token), 401);
      expect((await welcome(t.access.token)).status).toBe(403);
    }
    expect((await refresh(fresh.body.tokens.refresh.token)).status).toBe(200);
  });

  it('locks an account out under parallel guessing, and the lockout holds for the right password', async () => {
    const locked = await startServer({ loginMaxFailures: 3, loginLockoutSeconds: 600 });
    try {
      const r = client(locked.url);
      const email = newEmail('lock');
      const other = newEmail('bystander');
      for (const e of [email, other]) expect((await r('POST', '/auth/register', { json: registration(e) })).status).toBe(201);

      const guesses = await Promise.all(Array.from({ length: 10 }, (_, i) => r('POST', '/auth/login', { json: { email, password: `Wrong${i}!pass` } })));
      const statuses = guesses.map((g) => g.status);
      for (const s of statuses) expect([401, 429]).toContain(s);
      // At most loginMaxFailures passwords are ever checked, however parallel the guesses.
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(3);
      const limited = guesses.filter((g) => g.status === 429);
      expect(limited.length).toBeGreaterThanOrEqual(1);
      for (const g of limited) {
        const retryAfter = Number(g.headers.get('retry-after'));
        expect(Number.isInteger(retryAfter)).toBe(true);
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(600);
        expect(g.body).toEqual({ error: expect.any(String) });
      }

      const right = await r('POST', '/auth/login', { json: { email, password: PASSWORD } });
      expect(right.status).toBe(429);
      expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
      // The same account spelt differently is the same account: no spelling gets past the lockout.
      expect((await r('POST', '/auth/login', { json: { email: email.toUpperCase(), password: PASSWORD } })).status).toBe(429);
      for (const variant of [` ${email}`, `${email} `, `\t${email}`]) {
        const v = await r('POST', '/auth/login', { json: { email: variant, password: PASSWORD } });
        expect.soft([401, 429], `login as ${JSON.stringify(variant)} answered ${v.status}`).toContain(v.status);
      }
      // The lockout is per account: someone else still signs in.
      expect((await r('POST', '/auth/login', { json: { email: other, password: PASSWORD } })).status).toBe(200);
    } finally {
      await locked.close();
    }
  });
});
