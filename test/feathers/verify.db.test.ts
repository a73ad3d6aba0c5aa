/**
 * Feathers address verification (`/verify`, `/auth/verify`): a code mailed (real SMTP receiver)
 * or sent by SMS (real webhook receiver) sets `email_verified_at` / `phone_verified_at`, as the
 * account's own `users.get` shows; the same answer for unknown addresses; codes bound to their
 * address and use; throttled wrong codes; the per-recipient sending budget.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, describeDb, startServer, type TestServer } from '../support/server.js';
import { restClient } from '../support/feathers-client.js';
import { startSmtp, type SmtpReceiver } from '../support/smtp.js';
import { startSmsReceiver, type SmsReceiver } from '../support/sms.js';

const PASSWORD = 'correct horse battery';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const codeIn = (text: string) => /code is:? (\d{6})\b/.exec(text)?.[1];

await describeDb('feathers address verification', () => {
  let smtp: SmtpReceiver;
  let sms: SmsReceiver;
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  let n = 0;

  async function account() {
    n += 1;
    const email = `verify${n}@example.com`;
    const phone = `+47900200${String(n).padStart(2, '0')}`;
    const r = await req('POST', '/users', { json: { email, phone, password: PASSWORD } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ email_verified_at: null, phone_verified_at: null });
    return { id: r.body.id as number, email, phone };
  }
  async function mailedCode(email: string, path = '/verify'): Promise<string> {
    const seen = smtp.messages.length;
    const r = await req('POST', path, { json: { email } });
    expect([r.status, r.body]).toEqual([201, {}]);
    const mail = await smtp.waitFor((m) => smtp.messages.indexOf(m) >= seen && m.rcpt.includes(email));
    expect(mail.subject).toBe('Verify your email address');
    return String(codeIn(mail.text));
  }
  /** The account's own record, read with the official client after a password sign-in. */
  async function self(a: { id: number; email: string }) {
    const app = restClient(srv.url);
    await app.authenticate({ strategy: 'local', email: a.email, password: PASSWORD });
    return app.service('users').get(a.id);
  }

  beforeAll(async () => {
    smtp = await startSmtp();
    sms = await startSmsReceiver();
    srv = await startServer({ smtpUrl: smtp.url, smsWebhookUrl: sms.url, loginMaxFailures: 3, mailMaxPerRecipient: 3 });
    req = client(srv.url);
  });
  afterAll(async () => {
    await srv?.close();
    await smtp?.close();
    await sms?.close();
  });

  it('verifies an email with the mailed code: email_verified_at is set, the phone stays unverified', async () => {
    const a = await account();
    const code = await mailedCode(a.email);
    const r = await req('PATCH', `/verify/${encodeURIComponent(a.email)}`, { json: { token: code } });
    expect([r.status, r.body]).toEqual([200, {}]);
    const me = await self(a);
    expect(Date.parse(me.email_verified_at)).toBeGreaterThan(Date.now() - 60_000);
    expect(me.phone_verified_at).toBeNull();
    // Used once.
    expect((await req('PATCH', `/verify/${encodeURIComponent(a.email)}`, { json: { token: code } })).status).toBe(401);
  });

  it('verifies a phone with the code sent by SMS, under /auth/verify with POST', async () => {
    const a = await account();
    expect((await req('POST', '/auth/verify', { json: { phone: a.phone } })).status).toBe(201);
    const call = await sms.waitFor((c) => c.to === a.phone);
    expect(call.authorization).toBeUndefined();
    const code = String(codeIn(call.message));
    const r = await req('POST', `/auth/verify/${encodeURIComponent(a.phone)}`, { json: { token: code } });
    expect([r.status, r.body]).toEqual([200, {}]);
    const me = await self(a);
    expect(me.phone_verified_at).not.toBeNull();
    expect(me.email_verified_at).toBeNull();
  });

  it('answers an unknown address the same 201 {} and sends nothing; its check reads like a wrong code', async () => {
    const before = { mails: smtp.messages.length, sms: sms.calls.length };
    expect((await req('POST', '/verify', { json: { email: 'nobody@example.com' } })).status).toBe(201);
    expect((await req('POST', '/verify', { json: { phone: '+4799999998' } })).status).toBe(201);
    await sleep(300);
    expect([smtp.messages.length, sms.calls.length]).toEqual([before.mails, before.sms]);
    const r = await req('PATCH', `/verify/${encodeURIComponent('nobody@example.com')}`, { json: { token: '123456' } });
    expect([r.status, r.body]).toEqual([401, { error: 'Invalid code' }]);
  });

  it('binds a code to its address: after the email changes, the old code verifies neither address', async () => {
    const a = await account();
    const code = await mailedCode(a.email);
    const app = restClient(srv.url);
    await app.authenticate({ strategy: 'local', email: a.email, password: PASSWORD });
    const moved = `moved-${a.email}`;
    await app.service('users').patch(a.id, { email: moved });
    expect((await req('PATCH', `/verify/${encodeURIComponent(moved)}`, { json: { token: code } })).status).toBe(401);
    expect((await req('PATCH', `/verify/${encodeURIComponent(a.email)}`, { json: { token: code } })).status).toBe(401);
    expect((await app.service('users').get(a.id)).email_verified_at).toBeNull();
  });

  it('takes no sign-in code as a verification code, nor the other way round', async () => {
    const a = await account();
    const seen = smtp.messages.length;
    expect((await req('POST', '/otp', { json: { email: a.email } })).status).toBe(201);
    const login = String(codeIn((await smtp.waitFor((m) => smtp.messages.indexOf(m) >= seen && m.rcpt.includes(a.email))).text));
    expect((await req('PATCH', `/verify/${encodeURIComponent(a.email)}`, { json: { token: login } })).status).toBe(401);
    const verify = await mailedCode(a.email);
    expect((await req('PATCH', `/otp/${verify}`, { json: { email: a.email } })).status).toBe(401);
  });

  it('throttles wrong codes per account with 429 and Retry-After', async () => {
    const a = await account();
    const code = await mailedCode(a.email);
    const wrong = code === '000000' ? '000001' : '000000';
    const path = `/verify/${encodeURIComponent(a.email)}`;
    for (let i = 0; i < 3; i++) expect((await req('PATCH', path, { json: { token: wrong } })).status).toBe(401);
    const locked = await req('PATCH', path, { json: { token: code } });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Object.keys(locked.body)).toEqual(['error']);
  });

  it('sends at most MAIL_MAX_PER_RECIPIENT codes per window, answering the same 201 beyond it', async () => {
    const a = await account();
    const seen = smtp.messages.length;
    for (let i = 0; i < 5; i++) expect((await req('POST', '/verify', { json: { email: a.email } })).status).toBe(201);
    await smtp.waitFor((m) => smtp.messages.indexOf(m) >= seen && m.rcpt.includes(a.email));
    await sleep(300);
    expect(smtp.messages.slice(seen).filter((m) => m.rcpt.includes(a.email))).toHaveLength(3);
  });

  it('refuses bad input with 400 {error}: a path that is no address, a missing or non-string token', async () => {
    const a = await account();
    const cases: [string, unknown][] = [
      ['/verify/not%20an%20address', { token: '123456' }],
      [`/verify/${encodeURIComponent(a.email)}`, {}],
      [`/verify/${encodeURIComponent(a.email)}`, { token: 123456 }],
      [`/verify/${encodeURIComponent(a.email)}`, { token: '123456', email: a.email }],
      ['/verify', { email: a.email, phone: a.phone }],
      ['/verify', { phone: 4790000000 }],
    ];
    for (const [path, body] of cases) {
      const r = await req(path === '/verify' ? 'POST' : 'PATCH', path, { json: body });
      expect([path, body, r.status]).toEqual([path, body, 400]);
      expect(Object.keys(r.body)).toEqual(['error']);
    }
  });
});
