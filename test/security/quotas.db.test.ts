import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, describeDb, startServer, type Res, type TestServer } from '../support/server.js';
import { arcFixture } from '../support/fixtures/arc.js';
import { startSmtp, type SmtpReceiver } from '../support/smtp.js';

/**
 * Issue 9 §5: registration is rate-limited per client address (429 + Retry-After in each
 * dialect's envelope), and mails anyone can trigger are capped per recipient and kind and per
 * address, answering exactly as before when capped. Client addresses come from X-Forwarded-For
 * (TRUST_PROXY); every test uses addresses and recipients of its own.
 */

const PASSWORD = 'Secr3t!pass';
const SK = { authorization: 'SharedKey super-secret' };
const LIMITS = { registerMaxPerIp: 3, registerWindowSeconds: 600, mailMaxPerRecipient: 2, mailMaxPerIp: 4, mailWindowSeconds: 900 };
const from = (ip: string, extra: Record<string, string> = {}) => ({ 'x-forwarded-for': ip, ...extra });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const retryAfter = (r: Res) => Number(r.headers.get('retry-after'));

await describeDb('quotas on registration and on mails anyone can trigger', () => {
  let smtp: SmtpReceiver;
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  beforeAll(async () => {
    smtp = await startSmtp();
    srv = await startServer({ ...LIMITS, trustProxy: true, smtpUrl: smtp.url, apiExternal: true, apiSharedSecret: 'super-secret', simpleOnetimeAllowForgotPassword: true });
    req = client(srv.url);
    const { web } = await arcFixture(srv.core);
    for (const name of ['rita', 'rob', 'ann', 'al', 'olga', 'otto', 'pia', 'pat', 'paul', 'pete', 'pam', 'pim']) {
      await srv.core.accounts.create({ username: name, email: `${name}@example.com`, password: PASSWORD, clientIds: [web.id] });
    }
  });
  afterAll(async () => {
    await srv?.close();
    await smtp?.close();
  });

  const mailsTo = (addr: string) => smtp.messages.filter((m) => m.rcpt.includes(addr));
  /** Lets background mail work finish: sends `sentinel`, waits for its new mail to `addr`, then a little more. */
  async function settled(sentinel: () => Promise<unknown>, addr: string): Promise<void> {
    const seen = smtp.messages.length;
    await sentinel();
    await smtp.waitFor((m) => m.rcpt.includes(addr) && smtp.messages.indexOf(m) >= seen);
    await sleep(300);
  }

  describe('registration, per client address', () => {
    const register = (email: string, ip: string) => req('POST', '/auth/register', { json: { name: 'Registrant', bio: null, email, password: PASSWORD, confirm: PASSWORD }, headers: from(ip) });

    it('basic register: the 4th from one address gets 429 + Retry-After and creates nothing; another address is unaffected', async () => {
      for (let i = 0; i < 3; i++) expect((await register(`basic${i}@example.com`, '10.1.0.1')).status).toBe(201);
      const over = await register('basic3@example.com', '10.1.0.1');
      expect(over.status).toBe(429);
      expect(retryAfter(over)).toBeGreaterThan(0);
      expect(retryAfter(over)).toBeLessThanOrEqual(600);
      expect(typeof over.body.error).toBe('string');
      expect(await srv.core.accounts.byEmail('basic3@example.com')).toBeUndefined();
      expect((await register('basic3@example.com', '10.1.0.2')).status).toBe(201);
    });

    it('basic register: of 8 parallel registrations from one address exactly 3 succeed', async () => {
      const all = await Promise.all(Array.from({ length: 8 }, (_, i) => register(`par${i}@example.com`, '10.1.1.1')));
      expect(all.filter((r) => r.status === 201)).toHaveLength(3);
      expect(all.filter((r) => r.status === 429)).toHaveLength(5);
    });

    it('basic register: refused attempts (email taken) count too, so they cannot enumerate accounts without limit', async () => {
      for (let i = 0; i < 3; i++) expect((await register('rita@example.com', '10.1.2.1')).status).toBe(400);
      expect((await register('rita@example.com', '10.1.2.1')).status).toBe(429);
    });

    it('simple create account: the 4th from one address gets 429 too-many-requests + Retry-After; another address is unaffected', async () => {
      const create = (username: string, ip: string) => req('POST', '/api/v1/account', { json: { username, password: 'pw-simple', email: `${username}@example.com` }, headers: from(ip, SK) });
      for (const u of ['simplea', 'simpleb', 'simplec']) expect((await create(u, '10.2.0.1')).status).toBe(201);
      const over = await create('simpled', '10.2.0.1');
      expect(over.status).toBe(429);
      expect(over.body).toMatchObject({ error: true, reason: 'too-many-requests' });
      expect(retryAfter(over)).toBeGreaterThan(0);
      expect(await srv.core.accounts.byUsername('simpled')).toBeUndefined();
      expect((await create('simpled', '10.2.0.2')).status).toBe(201);
    });

    it('ARC sign-up create-token: the 4th from one address gets 429 in the ARC envelope + Retry-After, and no mail; another address is unaffected', async () => {
      const start = (email: string, ip: string) => req('POST', '/auth/sign-up/create-token', { json: { email }, headers: from(ip) });
      for (let i = 0; i < 3; i++) expect((await start(`join${i}@example.com`, '10.3.0.1')).status).toBe(204);
      const over = await start('join3@example.com', '10.3.0.1');
      expect(over.status).toBe(429);
      expect(over.body.error).toMatchObject({ statusCode: 429, name: 'TooManyRequestsError' });
      expect(retryAfter(over)).toBeGreaterThan(0);
      await settled(() => start('join4@example.com', '10.3.0.2'), 'join4@example.com');
      expect(mailsTo('join3@example.com')).toHaveLength(0);
    });
  });

  describe('mails, per recipient and kind', () => {
    it('basic forgot-password: the 3rd request for one recipient answers the same 204 and sends no mail; another recipient from the same address gets one', async () => {
      const forgot = (email: string, ip: string) => req('POST', '/auth/forgot-password', { json: { email }, headers: from(ip) });
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await forgot('rita@example.com', '10.4.0.1'));
      for (const a of answers) expect([a.status, a.text]).toEqual([204, '']);
      await settled(() => forgot('rob@example.com', '10.4.0.1'), 'rob@example.com');
      expect(mailsTo('rita@example.com')).toHaveLength(2);
      // The cap is the recipient's, from any address.
      expect((await forgot('rita@example.com', '10.4.0.2')).status).toBe(204);
      await settled(() => forgot('rob@example.com', '10.4.0.3'), 'rob@example.com');
      expect(mailsTo('rita@example.com')).toHaveLength(2);
    });

    it('ARC forget-password: the 3rd anonymous request answers the same 204 and sends no mail; another recipient gets one', async () => {
      const forget = (username: string, ip: string) => req('POST', '/auth/forget-password', { json: { client_id: 'web', client_secret: 'test', username }, headers: from(ip) });
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await forget('ann', '10.5.0.1'));
      for (const a of answers) expect([a.status, a.text]).toEqual([204, '']);
      await settled(() => forget('al', '10.5.0.2'), 'al@example.com');
      expect(mailsTo('ann@example.com')).toHaveLength(2);
    });

    it('simple one-time login: the 3rd request answers the same 200 {success:true} and sends no mail; another recipient gets one', async () => {
      const onetime = (email: string, ip: string) => req('POST', '/api/v1/auth/onetime', { json: { email }, headers: from(ip, SK) });
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await onetime('olga@example.com', '10.6.0.1'));
      for (const a of answers) expect([a.status, a.body]).toEqual([200, { success: true }]);
      await settled(() => onetime('otto@example.com', '10.6.0.2'), 'otto@example.com');
      expect(mailsTo('olga@example.com')).toHaveLength(2);
    });

    it('ARC sign-up create-token: the 3rd request for one address answers the same 204 and sends no mail; another recipient gets one', async () => {
      const start = (email: string, ip: string) => req('POST', '/auth/sign-up/create-token', { json: { email }, headers: from(ip) });
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await start('newbie@example.com', '10.7.0.1'));
      for (const a of answers) expect([a.status, a.text]).toEqual([204, '']);
      await settled(() => start('other-newbie@example.com', '10.7.0.2'), 'other-newbie@example.com');
      expect(mailsTo('newbie@example.com')).toHaveLength(2);
    });

    it('a reset through basic and one through ARC share the recipient budget', async () => {
      expect((await req('POST', '/auth/forgot-password', { json: { email: 'pia@example.com' }, headers: from('10.8.0.1') })).status).toBe(204);
      for (let i = 0; i < 2; i++) {
        expect((await req('POST', '/auth/forget-password', { json: { client_id: 'web', client_secret: 'test', username: 'pia' }, headers: from('10.8.0.2') })).status).toBe(204);
      }
      await settled(() => req('POST', '/auth/forgot-password', { json: { email: 'pat@example.com' }, headers: from('10.8.0.3') }), 'pat@example.com');
      expect(mailsTo('pia@example.com')).toHaveLength(2);
    });
  });

  describe('mails, per client address', () => {
    it('the 5th mail requested from one address (to 5 recipients) is not sent, with the same answer; another address is unaffected', async () => {
      const forgot = (email: string, ip: string) => req('POST', '/auth/forgot-password', { json: { email }, headers: from(ip) });
      for (const name of ['paul', 'pete', 'pam', 'pim']) expect((await forgot(`${name}@example.com`, '10.9.0.1')).status).toBe(204);
      const over = await forgot('al@example.com', '10.9.0.1');
      expect([over.status, over.text]).toEqual([204, '']);
      const before = mailsTo('al@example.com').length;
      await settled(() => forgot('otto@example.com', '10.9.0.2'), 'otto@example.com');
      for (const name of ['paul', 'pete', 'pam', 'pim']) expect(mailsTo(`${name}@example.com`)).toHaveLength(1);
      expect(mailsTo('al@example.com')).toHaveLength(before);
    });

    it('requests for unknown accounts count against the address like known ones (the same work either way)', async () => {
      const forgot = (email: string, ip: string) => req('POST', '/auth/forgot-password', { json: { email }, headers: from(ip) });
      for (let i = 0; i < 4; i++) expect((await forgot(`ghost${i}@example.com`, '10.10.0.1')).status).toBe(204);
      const before = mailsTo('pat@example.com').length;
      expect((await forgot('pat@example.com', '10.10.0.1')).status).toBe(204);
      await settled(() => forgot('otto@example.com', '10.10.0.2'), 'otto@example.com');
      expect(mailsTo('pat@example.com')).toHaveLength(before);
    });
  });
});
