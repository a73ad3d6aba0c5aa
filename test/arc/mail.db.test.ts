import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, describeDb, startServer, type TestServer } from '../support/server.js';
import { arcFixture } from '../support/fixtures/arc.js';
import { startSmtp, tokenFromMail } from '../support/smtp.js';

/** Decision 2: anonymous forget-password and sign-up deliver their codes by mail only. */
await describeDb('arc mails its reset and sign-up links', () => {
  let srv: TestServer;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let req: ReturnType<typeof client>;
  const resetUrl = 'https://app.example/reset?token={token}';
  const signupUrl = 'https://app.example/join?code={token}';

  beforeAll(async () => {
    smtp = await startSmtp();
    srv = await startServer({ smtpUrl: smtp.url, resetPasswordUrl: resetUrl, signupUrl });
    req = client(srv.url);
    await arcFixture(srv.core);
  });
  afterAll(async () => {
    await srv.close();
    await smtp.close();
  });

  it('forget-password mails a working reset link to the user, and the answer carries no code', async () => {
    const r = await req('POST', '/auth/forget-password', { json: { client_id: 'web', client_secret: 'test', username: 'test_user' } });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    const mail = await smtp.waitFor((m) => m.to.includes('xyz@gmail.com'));
    const token = tokenFromMail(mail.text, resetUrl);
    expect(token).toBeTruthy();
    expect((await req('GET', `/auth/verify-reset-password-link?token=${encodeURIComponent(String(token))}`)).body).toEqual({ success: true });
    const done = await req('PATCH', '/auth/reset-password', { json: { client_id: 'web', client_secret: 'test', token, password: 'mailed-reset-1' } });
    expect(done.status).toBe(204);
    expect((await req('POST', '/auth/login-token', { json: { client_id: 'web', client_secret: 'test', username: 'test_user', password: 'mailed-reset-1' } })).status).toBe(200);
  });

  it('sign-up create-token mails the code to the address; the code creates the account', async () => {
    const r = await req('POST', '/auth/sign-up/create-token', { json: { email: 'joiner@example.com' } });
    expect(r.status).toBe(204);
    const mail = await smtp.waitFor((m) => m.to.includes('joiner@example.com'));
    const code = String(tokenFromMail(mail.text, signupUrl));
    expect((await req('GET', '/auth/sign-up/verify-token', { bearer: code })).body).toMatchObject({ email: 'joiner@example.com' });
    const c = await req('POST', '/auth/sign-up/create-user', { json: { email: 'joiner@example.com', password: 'joiner-pw' }, bearer: code });
    expect(c.status).toBe(200);
    const user = await srv.core.accounts.byEmail('joiner@example.com');
    expect(user).toBeTruthy();
    // The audit trail records where the account was created from.
    const created = (await srv.core.audit.forUser(user!.id, 10, 0)).find((r) => r.message === 'Account created');
    expect(created?.ip).toBe('127.0.0.1');
  });
});
