import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtVerify, SignJWT } from 'jose';
import { Secret, TOTP } from 'otpauth';
import { client, describeDb, startServer, type Res, type TestServer } from '../support/server.js';
import { WEB_CLIENT } from '../support/fixtures/arc.js';

/** simple-auth's own integration suite (reference §15.1) and its other wire facts, against the `simple` dialect. */

const TESTCONFIG = {
  apiExternal: true,
  apiSharedSecret: 'super-secret',
  simpleOnetimeAllowForgotPassword: true,
  simpleTwoFactorEnabled: true,
  simpleAuthEnabled: true,
  simpleAuthSecret: 'your-super-secret-token',
  vouchEnabled: true,
  vouchUserHeader: 'X-User-Id',
  simpleCookieSigningKey: 'this-is-a-test',
};
const SK = { authorization: 'SharedKey super-secret' };
const BEARER = 'your-super-secret-token';
const FIXED_SECRET = 'ORDRZHDCYXU435ETZCIQ====';
const KEY = new TextEncoder().encode('this-is-a-test');
const CSRF = 'abcdefghijklmnopqrstuvwxyz012345';

const code = (secret: string) => new TOTP({ secret: Secret.fromBase32(secret.replace(/=+$/, '')) }).generate();
const wrongCode = (secret: string) => String((Number(code(secret)) + 500_000) % 1_000_000).padStart(6, '0');
const as = (uuid: string) => ({ ...SK, 'x-account-uuid': uuid });
const setCookies = (r: Res) => r.headers.getSetCookie();
/** The `auth` cookie's value from a response (undefined when none was set). */
const authCookie = (r: Res) => setCookies(r).find((c) => c.startsWith('auth='))?.split(';')[0]?.slice('auth='.length);
/** A browser-like request with the session cookie and a matching CSRF pair. */
const withSession = (token: string, extra: Record<string, string> = {}) => ({ cookie: `auth=${token}; _csrf=${CSRF}`, 'x-csrf-token': CSRF, ...extra });

let seq = 0;
const uniq = (tag: string) => `${tag}${process.pid % 1000}x${++seq}`;

await describeDb('simple dialect replay (simple-auth tests/api/v1)', () => {
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  const create = async (username: string, password: string, email: string) => {
    const r = await req('POST', '/api/v1/account', { json: { username, password, email }, headers: SK });
    expect(r.status).toBe(201);
    return r.body.id as string;
  };
  const login = (username: string, password: string, totp?: string) => req('POST', '/api/v1/auth/session', { json: { username, password, ...(totp ? { totp } : {}) }, headers: SK });
  const audit = async (uuid: string, q = '') => (await req('GET', `/api/v1/account/audit${q}`, { headers: as(uuid) })).body.records as { ts: string; module: string; level: string; message: string }[];

  beforeAll(async () => {
    srv = await startServer(TESTCONFIG);
    req = client(srv.url);
  });
  afterAll(async () => {
    await srv?.close();
  });

  describe('publicSurface.js', () => {
    const routes: [string, string, Record<string, string>, number][] = [
      ['POST', '/api/v1/account', { username: 'pubsurface', password: 'pub-pass', email: 'pubsurface@example.com' }, 201],
      ['POST', '/api/v1/account/check', { username: 'pubsurface' }, 200],
      ['POST', '/api/v1/auth/session', { username: 'pubsurface', password: 'pub-pass' }, 200],
      ['POST', '/api/v1/auth/session', { username: 'pubsurface@example.com', password: 'pub-pass' }, 200],
      ['DELETE', '/api/v1/auth/session', {}, 200],
      ['POST', '/api/v1/auth/onetime', { email: 'pubsurface@example.com' }, 200],
    ];
    for (const [method, path, payload, ok] of routes) {
      it(`${method} ${path} ${JSON.stringify(payload)}: 403 without auth, 400 without body, ${ok} with it`, async () => {
        const none = await req(method, path, { json: payload });
        expect(none.status).toBe(403);
        expect(none.body).toEqual({ message: 'invalid csrf token' });
        if (Object.keys(payload).length) {
          const empty = await req(method, path, { headers: SK });
          expect(empty.status).toBe(400);
          expect(empty.body).toMatchObject({ error: true, reason: 'bad-request' });
        }
        const good = await req(method, path, { json: payload, headers: SK });
        expect(good.status).toBe(ok);
      });
    }
  });

  describe('privateSurface.js', () => {
    let uuid: string;
    beforeAll(async () => {
      uuid = await create('privsurface', 'priv-pass', 'privsurface@example.com');
    });
    const routes: [string, string, (() => Record<string, string>) | undefined][] = [
      ['GET', '/api/v1/account', undefined],
      ['GET', '/api/v1/account/audit', undefined],
      ['GET', '/api/v1/local', undefined],
      ['POST', '/api/v1/local/password', () => ({ newpassword: 'bla' })],
      ['GET', '/api/v1/local/2fa', undefined],
      ['GET', '/api/v1/local/2fa/qrcode', () => ({ secret: FIXED_SECRET })],
      ['POST', '/api/v1/local/2fa', () => ({ secret: FIXED_SECRET, code: code(FIXED_SECRET) })],
      ['DELETE', '/api/v1/local/2fa', () => ({ code: code(FIXED_SECRET) })],
    ];
    for (const [method, path, payload] of routes) {
      it(`${method} ${path}: 401 without auth or with a made-up key${payload ? ', 400 without payload' : ''}, 200 with it`, async () => {
        const none = await req(method, path);
        expect(none.status).toBe(401);
        expect(none.body).toEqual({ cause: null, error: true, message: 'Request did not pass any authentication schemes', reason: 'unauthorized' });
        const madeUp = await req(method, path, { headers: { authorization: 'SharedKey made-up', 'x-account-uuid': uuid } });
        expect(madeUp.status).toBe(401);
        expect(madeUp.body).toMatchObject({ error: true, reason: 'unauthorized' });
        if (payload) expect((await req(method, path, { headers: as(uuid) })).status).toBe(400);
        const p = payload?.() ?? {};
        const good =
          method === 'GET' || method === 'DELETE'
            ? await req(method, `${path}${Object.keys(p).length ? '?' + new URLSearchParams(p).toString() : ''}`, { headers: as(uuid) })
            : await req(method, path, { json: p, headers: as(uuid) });
        expect(good.status).toBe(200);
      });
    }
    it('the fixed secret activated and then deactivated TOTP; the password is now "bla"', async () => {
      const msgs = (await audit(uuid, '?limit=4')).map((r) => r.message);
      expect(msgs).toEqual(['Disabled TOTP', 'Activated TOTP', 'Password updated', 'Associated username: privsurface']);
      expect((await req('GET', '/api/v1/local', { headers: as(uuid) })).body).toEqual({ username: 'privsurface', twofactor: false, twofactorallowed: true, requireOldPassword: false });
      expect((await login('privsurface', 'bla')).status).toBe(200);
    });
    it('missing X-Account-UUID is 401; an unknown account is refused', async () => {
      const r = await req('GET', '/api/v1/account', { headers: SK });
      expect(r.status).toBe(401);
      expect(r.body.message).toBe('Unable to authenticate: missing x-account-uuid header');
      expect((await req('GET', '/api/v1/account', { headers: as('00000000-0000-4000-8000-000000000000') })).status).toBeGreaterThanOrEqual(400);
    });
  });

  it('createAccount.js: account/check of an unknown name → exists false; a known one (any case) → true', async () => {
    expect((await req('POST', '/api/v1/account/check', { json: { username: 'sloth' }, headers: SK })).body).toEqual({ username: 'sloth', exists: false });
    await create('checkme', 'check-pass', 'checkme@example.com');
    expect((await req('POST', '/api/v1/account/check', { json: { username: 'CheckMe' }, headers: SK })).body).toEqual({ username: 'CheckMe', exists: true });
  });

  describe('auth.js', () => {
    let id: string;
    let cookie: string;
    beforeAll(async () => {
      id = await create('authtest', 'test-pass', 'tps2@example.com');
    });
    it('/auth/simple by username and by email → 200 with the id; a bad password → 403', async () => {
      const byName = await req('POST', '/api/v1/auth/simple', { json: { username: 'authtest', password: 'test-pass' }, bearer: BEARER });
      expect(byName.status).toBe(200);
      expect(byName.body).toEqual({ id, username: 'authtest' });
      const byEmail = await req('POST', '/api/v1/auth/simple', { json: { username: 'tps2@example.com', password: 'test-pass' }, bearer: BEARER });
      expect(byEmail.status).toBe(200);
      expect(byEmail.body.id).toBe(id);
      const form = await req('POST', '/api/v1/auth/simple', { form: { username: 'authtest', password: 'test-pass' }, bearer: BEARER });
      expect(form.body.id).toBe(id);
      const bad = await req('POST', '/api/v1/auth/simple', { json: { username: 'authtest', password: 'nope' }, bearer: BEARER });
      expect(bad.status).toBe(403);
      expect(bad.body.id).toBeUndefined();
      expect(bad.body).toMatchObject({ error: true, reason: 'invalid-credentials' });
    });
    it('/auth/simple: missing header 400, wrong scheme 400, wrong secret 401 invalid-auth-token', async () => {
      const body = { json: { username: 'authtest', password: 'test-pass' } };
      expect((await req('POST', '/api/v1/auth/simple', body)).body).toMatchObject({ reason: 'bad-request', message: 'authorization header required' });
      const scheme = await req('POST', '/api/v1/auth/simple', { ...body, headers: { authorization: `bearer ${BEARER}` } });
      expect(scheme.status).toBe(400);
      expect(scheme.body.message).toBe("expected 'Bearer' on authHeader");
      const wrong = await req('POST', '/api/v1/auth/simple', { ...body, bearer: 'nope' });
      expect(wrong.status).toBe(401);
      expect(wrong.body.reason).toBe('invalid-auth-token');
    });
    it('vouch: session login sets the cookie; no cookie → 401, forward → 307 with continue, cookie → 200 + X-User-Id', async () => {
      const s = await login('authtest', 'test-pass');
      expect(s.status).toBe(200);
      expect(s.body).toMatchObject({ id });
      cookie = String(authCookie(s));
      expect(cookie.split('.')).toHaveLength(3);

      const none = await req('GET', '/api/v1/auth/vouch', { bearer: BEARER });
      expect(none.status).toBe(401);
      expect(none.body).toEqual({ cause: null, error: true, message: 'Request did not pass any authentication schemes', reason: 'unauthorized' });
      const fwd = await req('GET', '/api/v1/auth/vouch?forward=1');
      expect(fwd.status).toBe(307);
      expect(fwd.text).toBe('');
      const cont = await req('GET', '/api/v1/auth/vouch?forward=1&continue=http://asdf.com');
      expect(cont.status).toBe(307);
      expect(cont.headers.get('location')).toContain('?continue=http%3A%2F%2Fasdf.com');
      const xf = await req('GET', '/api/v1/auth/vouch?forward=1', { headers: { 'X-Forwarded-Host': 'asdf.com', 'X-Forwarded-Proto': 'http', 'X-Forwarded-Uri': '/abc' } });
      expect(xf.status).toBe(307);
      expect(xf.headers.get('location')).toContain('?continue=http%3A%2F%2Fasdf.com%2Fabc');

      const ok = await req('GET', '/api/v1/auth/vouch', { headers: { cookie: `auth=${cookie}` } });
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ success: true });
      expect(ok.headers.get('x-user-id')).toBe(id);
      const okFwd = await req('GET', '/api/v1/auth/vouch?forward=1', { headers: { cookie: `auth=${cookie}` } });
      expect(okFwd.status).toBe(200);
    });
    it('the session cookie: HS256 JWT with exactly aud, exp, iss, sub, src; Path=/, HttpOnly, SameSite=Lax, Expires ≈ 30 min', async () => {
      const s = await login('tps2@example.com', 'test-pass');
      const raw = setCookies(s).find((c) => c.startsWith('auth='));
      const attrs = String(raw).split(';').map((p) => p.trim());
      expect(attrs).toContain('Path=/');
      expect(attrs).toContain('HttpOnly');
      expect(attrs).toContain('SameSite=Lax');
      const expires = Date.parse(String(attrs.find((a) => a.startsWith('Expires='))?.slice('Expires='.length)));
      expect(Math.abs(expires - (Date.now() + 30 * 60_000))).toBeLessThan(5_000);
      const { payload, protectedHeader } = await jwtVerify(String(authCookie(s)), KEY, { algorithms: ['HS256'] });
      expect(protectedHeader).toEqual({ alg: 'HS256', typ: 'JWT' });
      expect(Object.keys(payload).sort()).toEqual(['aud', 'exp', 'iss', 'src', 'sub']);
      expect(payload).toMatchObject({ aud: 'simple-auth', iss: 'simple-auth', sub: id, src: 'login' });
      expect(Math.abs(Number(payload.exp) * 1000 - expires)).toBeLessThan(1_000);
    });
    it('an expired or forged cookie → 401 unable to parse JWT on vouch, even with forward=1', async () => {
      const expired = await new SignJWT({ src: 'login' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setAudience('simple-auth').setIssuer('simple-auth').setSubject(id).setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(KEY);
      const forged = await new SignJWT({ src: 'login' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setAudience('simple-auth').setIssuer('simple-auth').setSubject(id).setExpirationTime('30m').sign(new TextEncoder().encode('not-the-key'));
      for (const bad of [expired, forged, 'garbage']) {
        for (const q of ['', '?forward=1']) {
          const r = await req('GET', `/api/v1/auth/vouch${q}`, { headers: { cookie: `auth=${bad}` } });
          expect(r.status).toBe(401);
          expect(r.body).toEqual({ error: true, message: 'Unable to authenticate: unable to parse JWT', reason: 'unauthorized' });
        }
      }
      // A cookie made with the shared key by another party (e.g. the Go server) is accepted.
      const foreign = await new SignJWT({ src: 'login' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setAudience('simple-auth').setIssuer('simple-auth').setSubject(id).setExpirationTime('5m').sign(KEY);
      const r = await req('GET', '/api/v1/auth/vouch', { headers: { cookie: `auth=${foreign}` } });
      expect(r.status).toBe(200);
      expect(r.headers.get('x-user-id')).toBe(id);
    });
    it('logout clears the cookie, and the old cookie no longer passes vouch (deliberate improvement)', async () => {
      const s = await login('authtest', 'test-pass');
      const token = String(authCookie(s));
      expect((await req('GET', '/api/v1/auth/vouch', { headers: { cookie: `auth=${token}` } })).status).toBe(200);
      const out = await req('DELETE', '/api/v1/auth/session', { headers: withSession(token) });
      expect(out.status).toBe(200);
      expect(out.body).toEqual({ success: true });
      const cleared = setCookies(out).find((c) => c.startsWith('auth='));
      expect(cleared).toMatch(/^auth=;/);
      expect(Date.parse(String(cleared?.match(/Expires=([^;]+)/)?.[1]))).toBeLessThanOrEqual(Date.now() + 1000);
      const after = await req('GET', '/api/v1/auth/vouch', { headers: { cookie: `auth=${token}` } });
      expect(after.status).toBe(401);
      expect(after.body.message).toBe('Unable to authenticate: unable to parse JWT');
      expect((await req('GET', '/api/v1/account', { headers: withSession(token) })).status).toBe(401);
      // Another session of the same account (a different token) is unaffected. Two logins within the same
      // second get byte-identical tokens (the claims have no iat/jti), so that one is signed here with another exp.
      expect(cookie).toBeTruthy();
      const other = await new SignJWT({ src: 'login' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setAudience('simple-auth').setIssuer('simple-auth').setSubject(id).setExpirationTime('10m').sign(KEY);
      expect((await req('GET', '/api/v1/auth/vouch', { headers: { cookie: `auth=${other}` } })).status).toBe(200);
      // Signing in again at once gets a fresh, working token, not the revoked one of the same second.
      const again = String(authCookie(await login('authtest', 'test-pass')));
      expect(again).not.toBe(token);
      expect((await req('GET', '/api/v1/auth/vouch', { headers: { cookie: `auth=${again}` } })).status).toBe(200);
    });
  });

  it('CSRF for a browser: GET / gives _csrf and the meta tag; POST with cookie + X-CSRF-Token → 200, a wrong header → 403', async () => {
    await create('csrfuser', 'csrf-pass', 'csrf@example.com');
    const home = await req('GET', '/');
    expect(home.status).toBe(200);
    const csrf = setCookies(home).find((c) => c.startsWith('_csrf='))?.split(';')[0]?.slice('_csrf='.length);
    expect(csrf).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(home.text).toContain(`<meta name="csrf" content="${csrf}">`);
    const body = { username: 'csrfuser', password: 'csrf-pass' };
    const ok = await req('POST', '/api/v1/auth/session', { json: body, headers: { cookie: `_csrf=${csrf}`, 'X-CSRF-Token': String(csrf) } });
    expect(ok.status).toBe(200);
    expect(authCookie(ok)).toBeTruthy();
    const wrong = await req('POST', '/api/v1/auth/session', { json: body, headers: { cookie: `_csrf=${csrf}`, 'X-CSRF-Token': 'x'.repeat(32) } });
    expect(wrong.status).toBe(403);
    expect(wrong.body).toEqual({ message: 'invalid csrf token' });
    const noHeader = await req('POST', '/api/v1/auth/session', { json: body, headers: { cookie: `_csrf=${csrf}` } });
    expect(noHeader.status).toBe(403);
    // A cookie session on a private POST needs CSRF too.
    const token = String(authCookie(ok));
    expect((await req('POST', '/api/v1/local/password', { json: { oldpassword: 'csrf-pass', newpassword: 'csrf-pass2' }, headers: { cookie: `auth=${token}` } })).status).toBe(403);
  });

  describe('POST /account', () => {
    it('409 username-unavailable, 400 account-email-exists', async () => {
      await create('taken.name', 'pw-taken', 'taken@example.com');
      const dupName = await req('POST', '/api/v1/account', { json: { username: 'taken.name', password: 'pw-x1', email: 'other-taken@example.com' }, headers: SK });
      expect(dupName.status).toBe(409);
      expect(dupName.body).toEqual({ error: true, message: 'username-unavailable', reason: 'username-unavailable' });
      const dupEmail = await req('POST', '/api/v1/account', { json: { username: 'fresh.name', password: 'pw-x1', email: 'Taken@Example.com' }, headers: SK });
      expect(dupEmail.status).toBe(400);
      expect(dupEmail.body.reason).toBe('account-email-exists');
    });
    it('requirement failures → 400 credentials-failed-requirements, nothing written; a retry with the same email succeeds', async () => {
      const cases: [string, string, string][] = [
        ['abc', 'long-enough', 'username too short'],
        ['UpperCase', 'long-enough', 'invalid username characters'],
        ['goodname', 'ab', 'password too short'],
      ];
      for (const [username, password, message] of cases) {
        const r = await req('POST', '/api/v1/account', { json: { username, password, email: 'retry@example.com' }, headers: SK });
        expect(r.status).toBe(400);
        expect(r.body).toEqual({ error: true, message, reason: 'credentials-failed-requirements' });
      }
      expect(await srv.core.accounts.byEmail('retry@example.com')).toBeUndefined();
      expect(await srv.core.accounts.byUsername('goodname')).toBeUndefined();
      const ok = await req('POST', '/api/v1/account', { json: { username: 'goodname', password: 'long-enough', email: 'retry@example.com' }, headers: SK });
      expect(ok.status).toBe(201);
      expect(ok.body).toEqual({ id: expect.any(String) });
    });
    it('?createSession=true → 201 createdSession and a login cookie', async () => {
      const r = await req('POST', '/api/v1/account?createSession=true', { json: { username: 'withsession', password: 'ws-pass', email: 'ws@example.com' }, headers: SK });
      expect(r.status).toBe(201);
      expect(r.body).toEqual({ id: expect.any(String), createdSession: true });
      const { payload } = await jwtVerify(String(authCookie(r)), KEY);
      expect(payload).toMatchObject({ sub: r.body.id, src: 'login' });
      const me = await req('GET', '/api/v1/account', { headers: withSession(String(authCookie(r))) });
      expect(me.status).toBe(200);
      expect(me.body.id).toBe(r.body.id);
    });
  });

  it('GET /account shape (SharedKey and cookie)', async () => {
    const id = await create('shapely', 'shape-pass', 'Shape@Example.com');
    const r = await req('GET', '/api/v1/account', { headers: as(id) });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      id,
      created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
      email: 'shape@example.com',
      name: 'shapely',
      auth: { local: { username: 'shapely', twofactor: false, twofactorallowed: true, requireOldPassword: false } },
    });
    const token = String(authCookie(await login('shapely', 'shape-pass')));
    const viaCookie = await req('GET', '/api/v1/account', { headers: withSession(token) });
    expect(viaCookie.body.auth.local.requireOldPassword).toBe(true);
    expect((await req('GET', '/api/v1/local', { headers: withSession(token) })).body).toEqual({ username: 'shapely', twofactor: false, twofactorallowed: true, requireOldPassword: true });
  });

  it('GET /account/audit: §10 messages, newest first, limit/offset', async () => {
    const id = await create('audited', 'audit-pass', 'audited@example.com');
    expect((await login('audited', 'audit-pass')).status).toBe(200);
    expect((await login('audited', 'wrong-pass')).status).toBe(401);
    expect((await req('POST', '/api/v1/local/password', { json: { newpassword: 'audit-pass2' }, headers: as(id) })).status).toBe(200);
    expect((await req('POST', '/api/v1/local/2fa', { json: { secret: FIXED_SECRET, code: code(FIXED_SECRET) }, headers: as(id) })).status).toBe(200);
    expect((await login('audited', 'audit-pass2', wrongCode(FIXED_SECRET))).status).toBe(401);
    expect((await req('DELETE', `/api/v1/local/2fa?code=${code(FIXED_SECRET)}`, { headers: as(id) })).status).toBe(200);
    const all = await audit(id, '?limit=50');
    expect(all.map((r) => r.message)).toEqual([
      'Disabled TOTP',
      'TOTP Rejected',
      'Activated TOTP',
      'Password updated',
      'Login failed',
      'Login Successful',
      'Associated username: audited',
      'Account created',
    ]);
    expect(all.map((r) => `${r.module}/${r.level}`)).toEqual([
      'auth:simple/info',
      'auth:simple/warn',
      'auth:simple/info',
      'auth:simple/info',
      'auth:simple/warn',
      'auth:simple/info',
      'auth:simple/info',
      'account/info',
    ]);
    for (let i = 1; i < all.length; i++) expect(Date.parse(all[i - 1]!.ts)).toBeGreaterThanOrEqual(Date.parse(all[i]!.ts));
    expect(await audit(id)).toHaveLength(8); // default limit 10
    expect((await audit(id, '?limit=2&offset=1')).map((r) => r.message)).toEqual(['TOTP Rejected', 'Activated TOTP']);
    expect((await audit(id, '?limit=3&offset=6')).map((r) => r.message)).toEqual(['Associated username: audited', 'Account created']);
  });

  it('POST /local/password: a login session needs the old password (401 invalid-credentials when wrong); SharedKey does not', async () => {
    const id = await create('pwchange', 'pw-one', 'pwchange@example.com');
    const token = String(authCookie(await login('pwchange', 'pw-one')));
    const missing = await req('POST', '/api/v1/local/password', { json: { newpassword: 'pw-two' }, headers: withSession(token) });
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ error: true, message: 'invalid-credentials', reason: 'invalid-credentials' });
    const wrong = await req('POST', '/api/v1/local/password', { json: { oldpassword: 'nope', newpassword: 'pw-two' }, headers: withSession(token) });
    expect(wrong.status).toBe(401);
    expect(wrong.body.reason).toBe('invalid-credentials');
    const ok = await req('POST', '/api/v1/local/password', { json: { oldpassword: 'pw-one', newpassword: 'pw-two' }, headers: withSession(token) });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ success: true });
    expect((await login('pwchange', 'pw-one')).status).toBe(401);
    expect((await login('pwchange', 'pw-two')).status).toBe(200);
    const sk = await req('POST', '/api/v1/local/password', { json: { newpassword: 'pw-three' }, headers: as(id) });
    expect(sk.status).toBe(200);
    expect((await login('pwchange', 'pw-three')).status).toBe(200);
  });

  it('TOTP login: totp-missing, totp-failed, then 200; /auth/simple too; bad activation code → 403', async () => {
    const id = await create('totpuser', 'totp-pass', 'totp@example.com');
    const badAct = await req('POST', '/api/v1/local/2fa', { json: { secret: FIXED_SECRET, code: wrongCode(FIXED_SECRET) }, headers: as(id) });
    expect(badAct.status).toBe(403);
    expect(badAct.body.reason).toBe('totp-failed');
    expect((await req('POST', '/api/v1/local/2fa', { json: { secret: FIXED_SECRET, code: code(FIXED_SECRET) }, headers: as(id) })).status).toBe(200);
    expect((await req('GET', '/api/v1/local', { headers: as(id) })).body.twofactor).toBe(true);
    const missing = await login('totpuser', 'totp-pass');
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ error: true, reason: 'totp-missing' });
    expect(authCookie(missing)).toBeUndefined();
    const wrong = await login('totpuser', 'totp-pass', wrongCode(FIXED_SECRET));
    expect(wrong.status).toBe(401);
    expect(wrong.body.reason).toBe('totp-failed');
    const right = await login('totpuser', 'totp-pass', code(FIXED_SECRET));
    expect(right.status).toBe(200);
    expect(authCookie(right)).toBeTruthy();
    const simpleMissing = await req('POST', '/api/v1/auth/simple', { json: { username: 'totpuser', password: 'totp-pass' }, bearer: BEARER });
    expect(simpleMissing.status).toBe(403);
    expect(simpleMissing.body.reason).toBe('totp-missing');
    const simpleOk = await req('POST', '/api/v1/auth/simple', { json: { username: 'totpuser', password: 'totp-pass', totp: code(FIXED_SECRET) }, bearer: BEARER });
    expect(simpleOk.status).toBe(200);
    expect(simpleOk.body.id).toBe(id);
    const notActive = await req('DELETE', `/api/v1/local/2fa?code=${code(FIXED_SECRET)}`, { headers: as(await create('nototp', 'no-pass', 'nototp@example.com')) });
    expect(notActive.status).toBe(401);
    expect(notActive.body).toEqual({ error: true, message: 'totp disabled', reason: 'no-code' });
  });

  it('unknown /api/v1 route → 404 {"message":"Not Found"}', async () => {
    const r = await req('GET', '/api/v1/nowhere', { headers: SK });
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ message: 'Not Found' });
  });

  describe('one user store', () => {
    let webId: number;
    beforeAll(async () => {
      webId = (await srv.core.clients.create(WEB_CLIENT)).id;
    });
    const arcLogin = (username: string, password: string) => req('POST', '/auth/login-token', { json: { client_id: 'web', client_secret: 'test', username, password } });

    it('an account created via /api/v1/account signs in via basic and ARC', async () => {
      const id = await create('crossover', 'cross-pass', 'crossover@example.com');
      const basic = await req('POST', '/auth/login', { json: { email: 'crossover@example.com', password: 'cross-pass' } });
      expect(basic.status).toBe(200);
      expect(basic.body.user.id).toBe(id);
      const user = await srv.core.accounts.byUuid(id);
      await srv.core.accounts.allowClient(user!.id, webId);
      const arc = await arcLogin('crossover', 'cross-pass');
      expect(arc.status).toBe(200);
      expect(arc.body.accessToken).toBeTruthy();
    });

    it('an ARC-made user (Test_User) signs in through POST /api/v1/auth/session; an ARC password change shows in the audit', async () => {
      const user = await srv.core.accounts.create({ username: 'Test_User', password: 'temp123!@', email: 'arcuser@example.com', clientIds: [webId] });
      const s = await login('Test_User', 'temp123!@');
      expect(s.status).toBe(200);
      expect(s.body.id).toBe(user.uuid);
      const byEmail = await login('arcuser@example.com', 'temp123!@');
      expect(byEmail.status).toBe(200);
      const t = await arcLogin('test_user', 'temp123!@');
      expect(t.status).toBe(200);
      const ch = await req('PATCH', '/auth/change-password', {
        json: { username: 'Test_User', password: 'arc-new-pass', oldPassword: 'temp123!@', refreshToken: t.body.refreshToken },
        bearer: t.body.accessToken,
      });
      expect(ch.status).toBe(200);
      const recs = await audit(user.uuid);
      expect(recs[0]).toMatchObject({ module: 'auth:simple', level: 'info', message: 'Password updated' });
      expect((await login('Test_User', 'temp123!@')).status).toBe(401);
      expect((await login('Test_User', 'arc-new-pass')).status).toBe(200);
    });

    it('an account with TOTP cannot sign in through ARC login-token or basic login (401)', async () => {
      const id = await create('totpcross', 'tc-pass', 'totpcross@example.com');
      const user = await srv.core.accounts.byUuid(id);
      await srv.core.accounts.allowClient(user!.id, webId);
      expect((await arcLogin('totpcross', 'tc-pass')).status).toBe(200);
      expect((await req('POST', '/api/v1/local/2fa', { json: { secret: FIXED_SECRET, code: code(FIXED_SECRET) }, headers: as(id) })).status).toBe(200);
      expect((await arcLogin('totpcross', 'tc-pass')).status).toBe(401);
      expect((await req('POST', '/auth/login', { json: { email: 'totpcross@example.com', password: 'tc-pass' } })).status).toBe(401);
      expect((await login('totpcross', 'tc-pass', code(FIXED_SECRET))).status).toBe(200);
    });
  });
});

await describeDb('simple dialect: lockout and disabled 2FA', () => {
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  beforeAll(async () => {
    srv = await startServer({ ...TESTCONFIG, simpleTwoFactorEnabled: false, loginMaxFailures: 3 });
    req = client(srv.url);
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('2FA routes are 404 when two-factor is disabled', async () => {
    const r = await req('POST', '/api/v1/account', { json: { username: 'no2fa', password: 'no2fa-pass', email: 'no2fa@example.com' }, headers: SK });
    const h = as(r.body.id);
    for (const [m, p] of [
      ['GET', '/api/v1/local/2fa'],
      ['GET', `/api/v1/local/2fa/qrcode?secret=${encodeURIComponent(FIXED_SECRET)}`],
      ['POST', '/api/v1/local/2fa'],
      ['DELETE', '/api/v1/local/2fa?code=123456'],
    ] as const) {
      const res = await req(m, p, { headers: h, ...(m === 'POST' ? { json: { secret: FIXED_SECRET, code: code(FIXED_SECRET) } } : {}) });
      expect(res.status, `${m} ${p}`).toBe(404);
      expect(res.body).toEqual({ message: 'Not Found' });
    }
    expect((await req('GET', '/api/v1/local', { headers: h })).body.twofactorallowed).toBe(false);
  });

  it('the 4th wrong password → 429 too-many-requests with Retry-After; the right one is refused too, and in ARC', async () => {
    const web = await srv.core.clients.create(WEB_CLIENT);
    const r = await req('POST', '/api/v1/account', { json: { username: 'locked', password: 'lock-pass', email: 'locked@example.com' }, headers: SK });
    const user = await srv.core.accounts.byUuid(r.body.id);
    await srv.core.accounts.allowClient(user!.id, web.id);
    const attempt = (password: string) => req('POST', '/api/v1/auth/session', { json: { username: 'locked', password }, headers: SK });
    for (let i = 0; i < 3; i++) expect((await attempt('wrong')).status).toBe(401);
    const fourth = await attempt('wrong');
    expect(fourth.status).toBe(429);
    expect(fourth.body).toMatchObject({ error: true, reason: 'too-many-requests' });
    expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThan(0);
    const right = await attempt('lock-pass');
    expect(right.status).toBe(429);
    expect(authCookie(right)).toBeUndefined();
    const byEmail = await req('POST', '/api/v1/auth/simple', { json: { username: 'locked@example.com', password: 'lock-pass' }, bearer: BEARER });
    expect(byEmail.status).toBe(429);
    const arc = await req('POST', '/auth/login-token', { json: { client_id: 'web', client_secret: 'test', username: 'locked', password: 'lock-pass' } });
    expect(arc.status).toBe(429);
  });
});
