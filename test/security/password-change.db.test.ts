import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, describeDb, startServer, type Res, type TestServer } from '../support/server.js';
import { arcFixture } from '../support/fixtures/arc.js';
import { startSmtp, tokenFromMail, type SmtpReceiver } from '../support/smtp.js';
import { accountSessions, authCookie, EVERY_DIALECT, type Account, type AccountSessions, type Sessions } from '../support/account-sessions.js';

/**
 * Issue 9 §4: a password change or reset, whichever way it is made (ARC change-password, basic
 * reset, simple /local/password, the CLI), ends every other session issued before it in every
 * dialect: ARC and basic access and refresh tokens, OAuth2 access and refresh tokens, and simple
 * session cookies. The simple session that made the change goes on with a new cookie, as the
 * original kept it; a sign-in right after the change, in the same second, is not cut off.
 */

const RESET_URL = 'http://app.test/reset-password?token={token}';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits for the start of the next second: cookies carry their time in whole seconds. */
const nextSecond = () => sleep(1000 - (Date.now() % 1000) + 20);

await describeDb('a password change or reset ends every other session', () => {
  let srv: TestServer;
  let smtp: SmtpReceiver;
  let req: ReturnType<typeof client>;
  let kit: AccountSessions;
  let webId: number;

  beforeAll(async () => {
    smtp = await startSmtp();
    srv = await startServer({ ...EVERY_DIALECT, smtpUrl: smtp.url, resetPasswordUrl: RESET_URL });
    req = client(srv.url);
    kit = accountSessions(req);
    webId = (await arcFixture(srv.core)).web.id;
  });
  afterAll(async () => {
    await srv?.close();
    await smtp?.close();
  });

  let seq = 0;
  async function newAccount(): Promise<Account> {
    const n = ++seq;
    const a = { username: `changer${n}`, email: `changer${n}.${process.pid}@example.com`, password: `Old!pass${n}` };
    const user = await srv.core.accounts.create({ ...a, clientIds: [webId] });
    return { user, ...a };
  }

  /** Sessions of every dialect, live and checked (and so cached by the server) before the change. */
  async function liveSessions(a: Account): Promise<Sessions> {
    const s = await kit.open(a);
    expect(await kit.notAccepted(s)).toEqual([]);
    return s;
  }

  /** The sessions from before are dead, and signing in again with the new password works at once. */
  async function expectOnlyNewPasswordSessions(before: Sessions, a: Account, newPassword: string): Promise<void> {
    expect(await kit.stillAccepted(before), 'sessions issued before the change').toEqual([]);
    // A sign-in right after the change (most often in the same second) is not cut off with them.
    const fresh = await kit.open({ ...a, password: newPassword });
    expect(await kit.notAccepted(fresh), 'sessions signed in right after the change').toEqual([]);
    // Refreshing rotates a live token, so the old refresh tokens are tried last.
    expect(await kit.refreshesNotRefused(before), 'refresh tokens issued before the change').toEqual([]);
  }

  it('ARC PATCH /auth/change-password ends the sessions of every dialect, its own ARC session included', async () => {
    const a = await newAccount();
    const changer = (await kit.arcLogin(a)).body as { accessToken: string; refreshToken: string };
    const before = await liveSessions(a);
    await nextSecond();
    const r = await req('PATCH', '/auth/change-password', {
      bearer: changer.accessToken,
      json: { username: a.username, password: 'New!pass-arc', oldPassword: a.password, refreshToken: changer.refreshToken },
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ success: true });
    await expectOnlyNewPasswordSessions(before, a, 'New!pass-arc');
    // ARC's change-password ends the session that made it, as the original does.
    expect((await kit.arcMe(changer.accessToken)).status).toBe(401);
    expect((await kit.arcRefresh(changer)).status).toBe(401);
  });

  it('basic POST /auth/reset-password with a mailed reset token ends the sessions of every dialect', async () => {
    const a = await newAccount();
    const before = await liveSessions(a);
    expect((await req('POST', '/auth/forgot-password', { json: { email: a.email } })).status).toBe(204);
    const mail = await smtp.waitFor((m) => m.rcpt.includes(a.email));
    const token = tokenFromMail(mail.text, RESET_URL);
    expect(token).toBeTruthy();
    await nextSecond();
    const r = await req('POST', `/auth/reset-password?token=${encodeURIComponent(token as string)}`, { json: { password: 'New!pass-basic1' } });
    expect(r.status).toBe(200);
    await expectOnlyNewPasswordSessions(before, a, 'New!pass-basic1');
  });

  it('simple POST /api/v1/local/password ends every other session; the session that made it goes on with a new cookie', async () => {
    const a = await newAccount();
    const own = authCookie(await kit.simpleLogin(a));
    expect(own).toBeTruthy();
    // Another browser's cookie, a second later (cookies of one second are the same token).
    await nextSecond();
    const before = await liveSessions(a);
    expect(before.cookie).not.toBe(own);
    await nextSecond();
    const r: Res = await kit.simpleChangePassword(own as string, a.password, 'New!pass-simple');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ success: true });
    const renewed = authCookie(r);
    expect(renewed, 'the response sets a new session cookie').toBeTruthy();
    expect(renewed).not.toBe(own);
    expect((await kit.vouch(renewed as string)).status).toBe(200);
    expect((await kit.simpleAccount(renewed as string)).status).toBe(200);
    await expectOnlyNewPasswordSessions(before, a, 'New!pass-simple');
    // The renewed cookie outlives the other sessions' end, and a sign-in after it.
    expect((await kit.vouch(renewed as string)).status).toBe(200);
  });

  it('the CLI path (core.accounts.setPassword via cli) ends the sessions of every dialect', async () => {
    const a = await newAccount();
    const before = await liveSessions(a);
    await nextSecond();
    await srv.core.accounts.setPassword(a.user, 'New!pass-cli', { via: 'cli' });
    await expectOnlyNewPasswordSessions(before, a, 'New!pass-cli');
  });

  it('an OAuth2 authorization code issued before a password change cannot be exchanged after it', async () => {
    const a = await newAccount();
    const g = await kit.oauth2Grant(a.user.uuid);
    expect(g.status).toBe(200);
    await srv.core.accounts.setPassword(a.user, 'New!pass-oauth2-code', { via: 'cli' });
    const r = await kit.oauth2Exchange(g.body.code);
    expect(r.status).toBe(400);
    expect(r.body.access_token).toBeUndefined();
  });

  it('an ARC web-flow code issued before a password change cannot be exchanged after it', async () => {
    const a = await newAccount();
    const code = await kit.arcCode(a);
    expect(code.status).toBe(200);
    await srv.core.accounts.setPassword(a.user, 'New!pass-arc-code', { via: 'cli' });
    const r = await kit.arcExchange(code.body.code);
    expect(r.status).toBe(401);
    expect(r.body.accessToken).toBeUndefined();
  });
});
