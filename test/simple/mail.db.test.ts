import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtVerify } from 'jose';
import { client, describeDb, startServer, type Res, type TestServer } from '../support/server.js';
import { startSmtp, type SmtpReceiver } from '../support/smtp.js';

/** simple-auth's mails (reference §8): forgot-password one-time links and email verification, through a real SMTP receiver. */

const BASE = 'http://auth.example.test';
const COMPANY = 'Acme Test';
const SK = { authorization: 'SharedKey super-secret' };
const KEY = new TextEncoder().encode('this-is-a-test');
const CSRF = 'csrfcsrfcsrfcsrfcsrfcsrfcsrfcsrf';
const CONFIG = {
  apiExternal: true,
  apiSharedSecret: 'super-secret',
  simpleOnetimeAllowForgotPassword: true,
  simpleTwoFactorEnabled: true,
  vouchEnabled: true,
  simpleCookieSigningKey: 'this-is-a-test',
  simpleBaseUrl: BASE,
  simpleCompany: COMPANY,
};
const authCookie = (r: Res) =>
  r.headers
    .getSetCookie()
    .find((c) => c.startsWith('auth='))
    ?.split(';')[0]
    ?.slice('auth='.length);

await describeDb('simple dialect mails', () => {
  let smtp: SmtpReceiver;
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  beforeAll(async () => {
    smtp = await startSmtp();
    srv = await startServer({ ...CONFIG, smtpUrl: smtp.url });
    req = client(srv.url);
  });
  afterAll(async () => {
    await srv?.close();
    await smtp?.close();
  });

  describe('forgot password (POST /auth/onetime)', () => {
    let id: string;
    let token: string;
    let session: string;
    beforeAll(async () => {
      const r = await req('POST', '/api/v1/account', { json: { username: 'forgetful', password: 'forget-pass', email: 'forgetful@example.com' }, headers: SK });
      expect(r.status).toBe(201);
      id = r.body.id;
    });

    it('mails `Password Reset at <company>` with {baseurl}/onetime?token=<uuid>; an unknown email gets the same 200 and no mail', async () => {
      const unknown = await req('POST', '/api/v1/auth/onetime', { json: { email: 'nobody@example.com' }, headers: SK });
      expect(unknown.status).toBe(200);
      expect(unknown.body).toEqual({ success: true });
      const r = await req('POST', '/api/v1/auth/onetime', { json: { email: 'forgetful@example.com' }, headers: SK });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ success: true });
      const mail = await smtp.waitFor((m) => m.rcpt.includes('forgetful@example.com') && m.subject.startsWith('Password Reset'));
      expect(mail.subject).toBe(`Password Reset at ${COMPANY}`);
      const m = mail.text.match(/http:\/\/auth\.example\.test\/onetime\?token=([0-9a-f-]{36})/);
      expect(m).toBeTruthy();
      token = String(m?.[1]);
      expect(token).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(mail.text).toContain('1h0m0s');
      await new Promise((res) => setTimeout(res, 200));
      expect(smtp.messages.filter((x) => x.rcpt.includes('nobody@example.com'))).toHaveLength(0);
    });

    it('GET /onetime → 307 to /api/v1/auth/onetime; that → 307 / with a src:onetime session; reuse → 401 invalid-token', async () => {
      const entry = await req('GET', `/onetime?token=${token}`);
      expect(entry.status).toBe(307);
      expect(entry.headers.get('location')).toBe(`/api/v1/auth/onetime?token=${token}`);
      const use = await req('GET', String(entry.headers.get('location')));
      expect(use.status).toBe(307);
      expect(use.headers.get('location')).toBe('/');
      session = String(authCookie(use));
      const { payload } = await jwtVerify(session, KEY, { algorithms: ['HS256'] });
      expect(payload).toMatchObject({ sub: id, src: 'onetime', aud: 'simple-auth', iss: 'simple-auth' });
      const again = await req('GET', `/api/v1/auth/onetime?token=${token}`);
      expect(again.status).toBe(401);
      expect(again.body).toMatchObject({ error: true, reason: 'invalid-token' });
      expect(authCookie(again)).toBeUndefined();
      const missing = await req('GET', '/api/v1/auth/onetime');
      expect(missing.status).toBe(400);
      expect(missing.body.message).toBe('missing token');
    });

    it('the onetime session changes the password without the old one; the audit shows the token trail', async () => {
      const h = { cookie: `auth=${session}; _csrf=${CSRF}`, 'x-csrf-token': CSRF };
      expect((await req('GET', '/api/v1/local', { headers: h })).body).toMatchObject({ username: 'forgetful', requireOldPassword: false });
      const r = await req('POST', '/api/v1/local/password', { json: { newpassword: 'remembered' }, headers: h });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ success: true });
      expect((await req('POST', '/api/v1/auth/session', { json: { username: 'forgetful', password: 'forget-pass' }, headers: SK })).status).toBe(401);
      expect((await req('POST', '/api/v1/auth/session', { json: { username: 'forgetful', password: 'remembered' }, headers: SK })).status).toBe(200);
      const recs = (await req('GET', '/api/v1/account/audit?limit=20', { headers: { ...SK, 'x-account-uuid': id } })).body.records as { module: string; message: string }[];
      const msgs = recs.map((x) => x.message);
      expect(msgs).toContain('One time token issued for account, expires in 1h0m0s');
      expect(msgs).toContain('One time token consumed for login');
      expect(msgs.indexOf('Password updated')).toBeLessThan(msgs.indexOf('One time token consumed for login'));
      expect(msgs.indexOf('One time token consumed for login')).toBeLessThan(msgs.indexOf('One time token issued for account, expires in 1h0m0s'));
      expect(recs.find((x) => x.message.startsWith('One time token'))?.module).toBe('auth:onetime');
    });
  });
});

await describeDb('simple dialect email verification (stipulations)', () => {
  let smtp: SmtpReceiver;
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  beforeAll(async () => {
    smtp = await startSmtp();
    srv = await startServer({ ...CONFIG, smtpUrl: smtp.url, simpleEmailValidationRequired: true });
    req = client(srv.url);
  });
  afterAll(async () => {
    await srv?.close();
    await smtp?.close();
  });

  it('create → hasStipulations and a `Verify Email` mail; login 401 until the mailed token is posted', async () => {
    const r = await req('POST', '/api/v1/account?createSession=true', { json: { username: 'verifier', password: 'verify-pass', email: 'verifier@example.com' }, headers: SK });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ id: expect.any(String), hasStipulations: true });
    expect(authCookie(r)).toBeUndefined();
    const id = r.body.id as string;
    const mail = await smtp.waitFor((m) => m.rcpt.includes('verifier@example.com') && m.subject.startsWith('Verify Email'));
    expect(mail.subject).toBe(`Verify Email for ${COMPANY}`);
    const m = mail.text.match(/http:\/\/auth\.example\.test\/#\/activate\?account=([0-9a-f-]{36})&token=([A-Za-z0-9]+)/);
    expect(m?.[1]).toBe(id);
    const code = String(m?.[2]);
    expect(code).toMatch(/^[A-Za-z0-9]{18}$/);

    const login = () => req('POST', '/api/v1/auth/session', { json: { username: 'verifier', password: 'verify-pass' }, headers: SK });
    const held = await login();
    expect(held.status).toBe(401);
    expect(held.body).toMatchObject({ error: true, reason: 'unsatisfied-stipulations' });
    // The wrong password is still invalid-credentials (the password is checked first).
    expect((await req('POST', '/api/v1/auth/session', { json: { username: 'verifier', password: 'nope' }, headers: SK })).body.reason).toBe('invalid-credentials');

    const wrong = await req('POST', '/api/v1/stipulation', { json: { account: id, token: 'A'.repeat(18) }, headers: SK });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: true, message: 'no stipulation satisfied', reason: 'no-code' });
    const notUuid = await req('POST', '/api/v1/stipulation', { json: { account: 'not-a-uuid', token: code }, headers: SK });
    expect(notUuid.status).toBe(400);
    expect(notUuid.body.reason).toBe('bad-request');
    const noAuth = await req('POST', '/api/v1/stipulation', { json: { account: id, token: code } });
    expect(noAuth.status).toBe(403);

    const ok = await req('POST', '/api/v1/stipulation', { json: { account: id, token: code }, headers: SK });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ success: true });
    expect((await login()).status).toBe(200);
    // Used once.
    expect((await req('POST', '/api/v1/stipulation', { json: { account: id, token: code }, headers: SK })).status).toBe(401);
    const msgs = ((await req('GET', '/api/v1/account/audit', { headers: { ...SK, 'x-account-uuid': id } })).body.records as { message: string }[]).map((x) => x.message);
    expect(msgs).toContain('Stipulation token is satisfied');
    expect(msgs).toContain('Unable to validate stipulation token');
  });
});
