/**
 * Feathers one-time sign-in codes (`/otp`, `/auth/otp`): a code by mail (a real SMTP receiver)
 * or SMS (a real HTTP webhook receiver) exchanged for an authentication result that the official
 * client accepts; the same answer for unknown accounts; single use, also under a race; throttled
 * checks that leave the owner's trusted device alone; expiry; blocked accounts; TOTP; bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret, TOTP } from 'otpauth';
import pino from 'pino';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/server.js';
import { client, decode, describeDb, startServer, type TestServer } from '../support/server.js';
import { restClient } from '../support/feathers-client.js';
import { startSmtp, type Message, type SmtpReceiver } from '../support/smtp.js';
import { startSmsReceiver, type SmsReceiver } from '../support/sms.js';

const PASSWORD = 'correct horse battery';
const SMS_TOKEN = 'sms-webhook-secret';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const codeIn = (text: string) => /code is:? (\d{6})\b/.exec(text)?.[1];

await describeDb('feathers one-time sign-in codes', () => {
  let smtp: SmtpReceiver;
  let sms: SmsReceiver;
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  let n = 0;

  /** A new account with an email and a phone of its own (the throttle and the mail quota count per account). */
  async function account() {
    n += 1;
    const email = `otp${n}@example.com`;
    const phone = `+47900100${String(n).padStart(2, '0')}`;
    const r = await req('POST', '/users', { json: { email, phone, username: `otp${n}`, password: PASSWORD } });
    expect(r.status).toBe(201);
    return { id: r.body.id as number, email, phone };
  }
  /** Asks for a code for `email` and reads it from the mail that arrives. */
  async function mailedCode(email: string, path = '/otp'): Promise<{ code: string; mail: Message }> {
    const seen = smtp.messages.length;
    const r = await req('POST', path, { json: { email } });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({});
    const mail = await smtp.waitFor((m) => smtp.messages.indexOf(m) >= seen && m.rcpt.includes(email));
    return { code: String(codeIn(mail.text)), mail };
  }

  beforeAll(async () => {
    smtp = await startSmtp();
    sms = await startSmsReceiver();
    srv = await startServer({ smtpUrl: smtp.url, smsWebhookUrl: sms.url, smsWebhookToken: SMS_TOKEN, loginMaxFailures: 3, mailMaxPerRecipient: 50, mailMaxPerIp: 500 });
    req = client(srv.url);
  });
  afterAll(async () => {
    await srv?.close();
    await smtp?.close();
    await sms?.close();
  });

  it('mails a sign-in code that exchanges for an authentication result the official client signs in with', async () => {
    const a = await account();
    const { code, mail } = await mailedCode(a.email);
    expect(code).toMatch(/^\d{6}$/);
    expect(mail.subject).toBe('Your sign-in code');
    expect(mail.text).toContain('expires in 10 minutes');
    const r = await req('PATCH', `/otp/${code}`, { json: { email: a.email } });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['accessToken', 'authentication', 'user', 'refreshToken']);
    expect(r.body.authentication.strategy).toBe('otp');
    expect(r.body.user).toMatchObject({ id: a.id, email: a.email });
    expect(r.body.user).not.toHaveProperty('password');
    expect(decode(r.body.accessToken).sub).toBe(String(a.id));

    const app = restClient(srv.url);
    const auth = await app.authenticate({ strategy: 'jwt', accessToken: r.body.accessToken });
    expect(auth.user.id).toBe(a.id);
    expect(await app.service('users').get(a.id)).toMatchObject({ id: a.id, email: a.email });
    // The refresh token belongs to a stored session.
    const refreshed = await req('POST', '/auth/refresh', { bearer: r.body.accessToken, json: { strategy: 'jwt', accessToken: r.body.accessToken, refreshToken: r.body.refreshToken } });
    expect(refreshed.status).toBe(201);
  });

  it('answers at /otp and /auth/otp, exchanging with PATCH or POST', async () => {
    const a = await account();
    for (const prefix of ['', '/auth']) {
      for (const method of ['PATCH', 'POST']) {
        const { code } = await mailedCode(a.email, `${prefix}/otp`);
        const r = await req(method, `${prefix}/otp/${code}`, { json: { email: a.email } });
        expect([prefix, method, r.status]).toEqual([prefix, method, 200]);
        expect(r.body.user.id).toBe(a.id);
      }
    }
  });

  it('sends the code by SMS through the webhook (with its bearer token) and exchanges it with the phone', async () => {
    const a = await account();
    const r = await req('POST', '/otp', { json: { phone: a.phone } });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({});
    const call = await sms.waitFor((c) => c.to === a.phone);
    expect(call.authorization).toBe(`Bearer ${SMS_TOKEN}`);
    expect(call.contentType).toMatch(/^application\/json/);
    const code = String(codeIn(call.message));
    expect(code).toMatch(/^\d{6}$/);
    // The code went by SMS only, and works with the phone only.
    expect(smtp.messages.some((m) => m.rcpt.includes(a.email) && m.text.includes(code))).toBe(false);
    expect((await req('PATCH', `/otp/${code}`, { json: { email: a.email } })).status).toBe(401);
    const ok = await req('POST', `/auth/otp/${code}`, { json: { phone: a.phone } });
    expect(ok.status).toBe(200);
    expect(ok.body.user.id).toBe(a.id);
  });

  it('answers an unknown email or phone the same 201 {} and sends nothing', async () => {
    const before = { mails: smtp.messages.length, sms: sms.calls.length };
    for (const body of [{ email: 'nobody@example.com' }, { phone: '+4799999999' }]) {
      const r = await req('POST', '/otp', { json: body });
      expect(r.status).toBe(201);
      expect(r.body).toEqual({});
    }
    await sleep(300);
    expect(smtp.messages.length).toBe(before.mails);
    expect(sms.calls.length).toBe(before.sms);
    // Exchanging for an unknown address reads like a wrong code.
    const r = await req('PATCH', '/otp/123456', { json: { email: 'nobody@example.com' } });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'Invalid code' });
  });

  it('uses a code once; a newer code replaces an older one', async () => {
    const a = await account();
    const { code } = await mailedCode(a.email);
    expect((await req('PATCH', `/otp/${code}`, { json: { email: a.email } })).status).toBe(200);
    const again = await req('PATCH', `/otp/${code}`, { json: { email: a.email } });
    expect(again.status).toBe(401);
    expect(again.body).toEqual({ error: 'Invalid code' });

    const older = await mailedCode(a.email);
    const newer = await mailedCode(a.email);
    expect((await req('PATCH', `/otp/${older.code}`, { json: { email: a.email } })).status).toBe(401);
    expect((await req('PATCH', `/otp/${newer.code}`, { json: { email: a.email } })).status).toBe(200);
  });

  it('throttles wrong codes per account (429 with Retry-After, even for the right code) while the owner signs in from their trusted device', async () => {
    const a = await account();
    const device = 'd'.repeat(32);
    const owner = () => req('POST', '/authentication', { json: { strategy: 'local', email: a.email, password: PASSWORD }, headers: { cookie: `gatehouse_device=${device}` } });
    expect((await owner()).status).toBe(201);
    const { code } = await mailedCode(a.email);
    const wrong = code === '000000' ? '000001' : '000000';
    for (let i = 0; i < 3; i++) {
      const r = await req('PATCH', `/otp/${wrong}`, { json: { email: a.email } });
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ error: 'Invalid code' });
    }
    const locked = await req('PATCH', `/otp/${code}`, { json: { email: a.email } });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(typeof locked.body.error).toBe('string');
    // The owner's browser that signed in before has a counter of its own (decision 14).
    expect((await owner()).status).toBe(201);
  });

  it('refuses an expired code', async () => {
    const a = await account();
    const ttl = srv.config.feathersOtpSeconds;
    srv.config.feathersOtpSeconds = 1;
    let code: string;
    try {
      ({ code } = await mailedCode(a.email));
    } finally {
      srv.config.feathersOtpSeconds = ttl;
    }
    await sleep(1100);
    const r = await req('PATCH', `/otp/${code}`, { json: { email: a.email } });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'Code expired' });
  });

  it('gives a blocked account no code, and no code it got before works', async () => {
    const a = await account();
    const { code } = await mailedCode(a.email);
    await srv.store.db.updateTable('users').set({ status: 2 }).where('id', '=', a.id).execute();
    const r = await req('PATCH', `/otp/${code}`, { json: { email: a.email } });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'Invalid code' });
    const seen = smtp.messages.length;
    expect((await req('POST', '/otp', { json: { email: a.email } })).status).toBe(201);
    await sleep(300);
    expect(smtp.messages.slice(seen).filter((m) => m.rcpt.includes(a.email))).toHaveLength(0);
  });

  it('asks an account with TOTP for a current TOTP code too; without it the code stays usable', async () => {
    const a = await account();
    const user = (await srv.core.accounts.byId(a.id))!;
    const secret = srv.core.secondFactor.newSecret();
    const totp = () => new TOTP({ secret: Secret.fromBase32(secret.replace(/=/g, '')), algorithm: 'SHA1', digits: 6, period: 30 }).generate();
    await srv.core.secondFactor.enrol(user, secret, totp());
    const { code } = await mailedCode(a.email);
    const missing = await req('PATCH', `/otp/${code}`, { json: { email: a.email } });
    expect(missing.status).toBe(401);
    expect(missing.body.error).toMatch(/TOTP/);
    const ok = await req('PATCH', `/otp/${code}`, { json: { email: a.email, totp: totp() } });
    expect(ok.status).toBe(200);
  });

  it('refuses bad input with 400 {error}: no address, both, a non-string, unknown fields, bad JSON', async () => {
    const a = await account();
    const bodies: unknown[] = [{}, { email: a.email, phone: a.phone }, { email: 42 }, { phone: ['+4790000000'] }, { email: 'not-an-email' }, { email: a.email, extra: 1 }, null, 'x'];
    for (const path of ['/otp', '/auth/otp', '/otp/123456']) {
      for (const body of bodies) {
        const r = await req(path === '/otp/123456' ? 'PATCH' : 'POST', path, { json: body });
        expect([path, body, r.status]).toEqual([path, body, 400]);
        expect(Object.keys(r.body)).toEqual(['error']);
        expect(typeof r.body.error).toBe('string');
      }
    }
    const both = await req('POST', '/otp', { json: { email: a.email, phone: a.phone } });
    expect(both.body.error).toMatch(/exactly one of email .* or phone/);
    const broken = await req('POST', '/otp', { raw: '{"email":', headers: { 'content-type': 'application/json' } });
    expect(broken.status).toBe(400);
    expect(Object.keys(broken.body)).toEqual(['error']);
  });

  it('documents both spellings and methods in /openapi.json', async () => {
    const spec = (await req('GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    for (const p of ['', '/auth']) {
      expect(Object.keys(spec.paths[`${p}/otp`] ?? {})).toContain('post');
      expect(Object.keys(spec.paths[`${p}/otp/{otp}`] ?? {}).sort()).toEqual(['patch', 'post']);
    }
  });
});

await describeDb('feathers one-time codes under a loose throttle, without SMS', () => {
  let smtp: SmtpReceiver;
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  beforeAll(async () => {
    smtp = await startSmtp();
    // The test servers' default throttle (1000 failures): parallel checks are not held back.
    srv = await startServer({ smtpUrl: smtp.url });
    req = client(srv.url);
    expect((await req('POST', '/users', { json: { email: 'nosms@example.com', phone: '+4790000777', password: PASSWORD } })).status).toBe(201);
  });
  afterAll(async () => {
    await srv?.close();
    await smtp?.close();
  });

  // On PostgreSQL the checks interleave at every query; on SQLite (synchronous) each runs through.
  it('lets exactly one of parallel exchanges of one code through', async () => {
    expect((await req('POST', '/otp', { json: { email: 'nosms@example.com' } })).status).toBe(201);
    const code = String(codeIn((await smtp.waitFor((m) => m.rcpt.includes('nosms@example.com'))).text));
    const all = await Promise.all(Array.from({ length: 12 }, () => req('PATCH', `/otp/${code}`, { json: { email: 'nosms@example.com' } })));
    const statuses = all.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(11);
  });

  it('refuses phone requests with 400 "SMS is not configured", alike for known and unknown phones', async () => {
    for (const path of ['/otp', '/auth/otp', '/verify', '/auth/verify']) {
      for (const phone of ['+4790000777', '+4790000778']) {
        const r = await req('POST', path, { json: { phone } });
        expect([path, phone, r.status, r.body]).toEqual([path, phone, 400, { error: 'SMS is not configured' }]);
      }
    }
    // Mail still works.
    expect((await req('POST', '/otp', { json: { email: 'nosms@example.com' } })).status).toBe(201);
  });
});

describe('request logs', () => {
  it('show the path of an OTP exchange without its code', () => {
    const log = createLogger(loadConfig({}, { dataDir: '/nonexistent', jwtSecret: 'x', secretKey: 'x', simpleCookieSigningKey: 'x' }));
    const serialize = (log as unknown as Record<symbol, { req: (r: { method: string; url: string }) => { path: string } }>)[pino.symbols.serializersSym]!.req;
    expect(serialize({ method: 'PATCH', url: '/otp/314159' }).path).toBe('/otp/[redacted]');
    expect(serialize({ method: 'POST', url: '/auth/otp/314159?x=1' }).path).toBe('/auth/otp/[redacted]');
    expect(serialize({ method: 'POST', url: '/otp' }).path).toBe('/otp');
    expect(serialize({ method: 'GET', url: '/otp-caches/7' }).path).toBe('/otp-caches/7');
  });
});
