/**
 * Feathers password recovery (`/recover`, `/auth/recover`): a code mailed through a real SMTP
 * receiver sets a new password; the old one stops working and every session of the account ends
 * (refresh tokens and access tokens from before); the same answer for unknown emails; single use;
 * throttled wrong codes; the new password's rules checked before the code is used.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, describeDb, startServer, type TestServer } from '../support/server.js';
import { startSmtp, type SmtpReceiver } from '../support/smtp.js';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'new staple battery';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const codeIn = (text: string) => /code is:? (\d{10})\b/.exec(text)?.[1];

await describeDb('feathers password recovery', () => {
  let smtp: SmtpReceiver;
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  let n = 0;

  async function account() {
    n += 1;
    const email = `recover${n}@example.com`;
    const r = await req('POST', '/users', { json: { email, password: PASSWORD } });
    expect(r.status).toBe(201);
    return { id: r.body.id as number, email };
  }
  async function mailedCode(email: string, path = '/recover'): Promise<string> {
    const seen = smtp.messages.length;
    const r = await req('POST', path, { json: { email } });
    expect([r.status, r.body]).toEqual([201, {}]);
    const mail = await smtp.waitFor((m) => smtp.messages.indexOf(m) >= seen && m.rcpt.includes(email));
    expect(mail.subject).toBe('Your password recovery code');
    expect(mail.text).toContain('expires in 1 hour');
    return String(codeIn(mail.text));
  }
  const signIn = (email: string, password: string) => req('POST', '/authentication', { json: { strategy: 'local', email, password } });

  beforeAll(async () => {
    smtp = await startSmtp();
    srv = await startServer({ smtpUrl: smtp.url, loginMaxFailures: 3, mailMaxPerRecipient: 50 });
    req = client(srv.url);
  });
  afterAll(async () => {
    await srv?.close();
    await smtp?.close();
  });

  it('sets the new password with the mailed code and ends every session of the account', async () => {
    const a = await account();
    const sessions = [(await signIn(a.email, PASSWORD)).body, (await signIn(a.email, PASSWORD)).body];
    for (const s of sessions) expect((await req('GET', `/users/${a.id}`, { bearer: s.accessToken })).status).toBe(200);
    const code = await mailedCode(a.email);
    expect(code).toMatch(/^\d{10}$/);
    const r = await req('PATCH', `/recover/${encodeURIComponent(a.email)}`, { json: { token: code, password: NEW_PASSWORD } });
    expect([r.status, r.body]).toEqual([200, {}]);

    expect((await signIn(a.email, PASSWORD)).status).toBe(401);
    expect((await signIn(a.email, NEW_PASSWORD)).status).toBe(201);
    for (const s of sessions) {
      expect((await req('GET', `/users/${a.id}`, { bearer: s.accessToken })).status).toBe(401);
      const refreshed = await req('POST', '/auth/refresh', { bearer: s.accessToken, json: { strategy: 'jwt', accessToken: s.accessToken, refreshToken: s.refreshToken } });
      expect(refreshed.status).toBe(401);
    }
    // Used once.
    const again = await req('PATCH', `/recover/${encodeURIComponent(a.email)}`, { json: { token: code, password: 'yet another one' } });
    expect([again.status, again.body]).toEqual([401, { error: 'Invalid code' }]);
  });

  it('answers at /recover and /auth/recover, setting the password with PATCH or POST', async () => {
    const a = await account();
    let password = PASSWORD;
    for (const prefix of ['', '/auth']) {
      for (const method of ['PATCH', 'POST']) {
        const code = await mailedCode(a.email, `${prefix}/recover`);
        const next = `${prefix}-${method}-password`;
        const r = await req(method, `${prefix}/recover/${encodeURIComponent(a.email)}`, { json: { token: code, password: next } });
        expect([prefix, method, r.status]).toEqual([prefix, method, 200]);
        expect((await signIn(a.email, password)).status).toBe(401);
        password = next;
        expect((await signIn(a.email, password)).status).toBe(201);
      }
    }
  });

  it('answers an unknown email the same 201 {} and mails nothing', async () => {
    const seen = smtp.messages.length;
    const r = await req('POST', '/recover', { json: { email: 'nobody@example.com' } });
    expect([r.status, r.body]).toEqual([201, {}]);
    await sleep(300);
    expect(smtp.messages.length).toBe(seen);
    const finish = await req('PATCH', `/recover/${encodeURIComponent('nobody@example.com')}`, { json: { token: '1234567890', password: NEW_PASSWORD } });
    expect([finish.status, finish.body]).toEqual([401, { error: 'Invalid code' }]);
  });

  it('refuses the current password as the new one before using the code', async () => {
    const a = await account();
    const code = await mailedCode(a.email);
    const same = await req('PATCH', `/recover/${encodeURIComponent(a.email)}`, { json: { token: code, password: PASSWORD } });
    expect(same.status).toBe(400);
    expect(typeof same.body.error).toBe('string');
    const ok = await req('PATCH', `/recover/${encodeURIComponent(a.email)}`, { json: { token: code, password: NEW_PASSWORD } });
    expect(ok.status).toBe(200);
  });

  it('throttles wrong codes per account (429 with Retry-After) and the password stays', async () => {
    const a = await account();
    const code = await mailedCode(a.email);
    const path = `/recover/${encodeURIComponent(a.email)}`;
    for (let i = 0; i < 3; i++) {
      const r = await req('PATCH', path, { json: { token: String(1_000_000_000 + i), password: NEW_PASSWORD } });
      expect([r.status, r.body]).toEqual([401, { error: 'Invalid code' }]);
    }
    const locked = await req('PATCH', path, { json: { token: code, password: NEW_PASSWORD } });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Object.keys(locked.body)).toEqual(['error']);
    expect(await srv.core.accounts.checkPassword((await srv.core.accounts.byId(a.id))!, PASSWORD)).toBe(true);
  });

  it('gives a blocked account nothing: a recovery code it got before does not set the password', async () => {
    const a = await account();
    const code = await mailedCode(a.email);
    await srv.store.db.updateTable('users').set({ status: 2 }).where('id', '=', a.id).execute();
    const r = await req('PATCH', `/recover/${encodeURIComponent(a.email)}`, { json: { token: code, password: NEW_PASSWORD } });
    expect([r.status, r.body]).toEqual([401, { error: 'Invalid code' }]);
    expect(await srv.core.accounts.checkPassword((await srv.core.accounts.byId(a.id))!, PASSWORD)).toBe(true);
  });

  it('takes no sign-in or verification code as a recovery code', async () => {
    const a = await account();
    for (const path of ['/otp', '/verify']) {
      const seen = smtp.messages.length;
      expect((await req('POST', path, { json: { email: a.email } })).status).toBe(201);
      const mail = await smtp.waitFor((m) => smtp.messages.indexOf(m) >= seen && m.rcpt.includes(a.email));
      const code = String(/code is:? (\d{6})\b/.exec(mail.text)?.[1]);
      const r = await req('PATCH', `/recover/${encodeURIComponent(a.email)}`, { json: { token: code, password: NEW_PASSWORD } });
      expect([path, r.status]).toEqual([path, 401]);
    }
    expect((await signIn(a.email, PASSWORD)).status).toBe(201);
  });

  it('refuses bad input with 400 {error}: no email, a phone, a non-string, a path that is no email, a missing password', async () => {
    const a = await account();
    const cases: [string, string, unknown][] = [
      ['POST', '/recover', {}],
      ['POST', '/recover', { phone: '+4790000000' }],
      ['POST', '/recover', { email: ['x@example.com'] }],
      ['POST', '/auth/recover', { email: a.email, extra: true }],
      ['PATCH', '/recover/not-an-email', { token: '1234567890', password: NEW_PASSWORD }],
      ['PATCH', `/recover/${encodeURIComponent(a.email)}`, { token: '1234567890' }],
      ['POST', `/auth/recover/${encodeURIComponent(a.email)}`, { token: 1234567890, password: NEW_PASSWORD }],
    ];
    for (const [method, path, body] of cases) {
      const r = await req(method, path, { json: body });
      expect([method, path, body, r.status]).toEqual([method, path, body, 400]);
      expect(Object.keys(r.body)).toEqual(['error']);
      expect(typeof r.body.error).toBe('string');
    }
  });
});
