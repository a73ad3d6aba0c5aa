/**
 * simple-auth's account sessions and personal access tokens (Gatehouse additions,
 * /api/v1/account/sessions and /api/v1/account/tokens): the current session is marked, "end all
 * others" keeps it, an ended cookie is refused at once, and another account's ids read as
 * unknown (404), never as forbidden. CSRF is required as on every cookie route, and a personal
 * access token's value is shown once.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import { startServer, client, describeDb, type TestServer } from '../support/server.js';

await describeDb('simple account sessions and tokens', () => {
  let srv: TestServer;
  let http: ReturnType<typeof client>;

  beforeAll(async () => {
    srv = await startServer({});
    http = client(srv.url);
    await srv.core.accounts.create({ username: 'alice', password: 'alice-pass', email: 'alice@example.com' });
    await srv.core.accounts.create({ username: 'mallory', password: 'mallory-pass', email: 'mallory@example.com' });
  }, 60_000);
  afterAll(async () => {
    await srv?.close();
  });

  /** A browser-like sign-in: the CSRF cookie and header, then the session cookie. */
  async function signIn(username: string, password: string, ua = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36') {
    const csrf = 'c'.repeat(32);
    const r = await http('POST', '/api/v1/auth/session', { json: { username, password }, headers: { cookie: `_csrf=${csrf}`, 'x-csrf-token': csrf, 'user-agent': ua } });
    expect(r.status).toBe(200);
    const auth = /auth=([^;]+)/.exec(r.headers.get('set-cookie') ?? '')?.[1] ?? '';
    expect(auth).not.toBe('');
    const headers = { cookie: `_csrf=${csrf}; auth=${auth}`, 'x-csrf-token': csrf };
    return { auth, headers, call: (method: string, path: string, json?: unknown) => http(method, `/api/v1${path}`, { json, headers }) };
  }

  it('lists the sessions with the current one marked and its browser parsed; ends one; ends all others but this one', async () => {
    const a = await signIn('alice', 'alice-pass');
    const b = await signIn('alice', 'alice-pass', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1');
    const c = await signIn('alice', 'alice-pass');
    const list = await a.call('GET', '/account/sessions');
    expect(list.status).toBe(200);
    const sessions = list.body.sessions as { id: number; current: boolean; browser: string; os: string; device: string | null; source: string }[];
    expect(sessions.length).toBe(3);
    expect(sessions.filter((s) => s.current).length).toBe(1);
    const phone = sessions.find((s) => s.os?.startsWith('iOS'));
    expect(phone?.browser).toMatch(/Safari/);
    expect(phone?.device).toMatch(/iPhone/);
    expect(sessions.every((s) => s.source === 'login')).toBe(true);

    // b ends c by its id: c's cookie is refused at once.
    const cId = (await c.call('GET', '/account/sessions')).body.sessions.find((s: { current: boolean }) => s.current).id;
    expect((await b.call('DELETE', `/account/sessions/${cId}`)).status).toBe(200);
    expect((await c.call('GET', '/account')).status).toBe(401);

    // a ends all others: b is refused, a goes on.
    const ended = await a.call('DELETE', '/account/sessions');
    expect(ended.body).toEqual({ success: true, ended: 1 });
    expect((await b.call('GET', '/account')).status).toBe(401);
    expect((await a.call('GET', '/account')).status).toBe(200);
    const left = (await a.call('GET', '/account/sessions')).body.sessions;
    expect(left.length).toBe(1);
    expect(left[0].current).toBe(true);
  });

  it('signing out ends the stored row too (it leaves the list)', async () => {
    const a = await signIn('alice', 'alice-pass');
    const b = await signIn('alice', 'alice-pass');
    const before = (await a.call('GET', '/account/sessions')).body.sessions.length;
    expect((await b.call('DELETE', '/auth/session')).status).toBe(200);
    expect((await a.call('GET', '/account/sessions')).body.sessions.length).toBe(before - 1);
  });

  it("another account's session or token id is unknown (404), never listed, never ended", async () => {
    const a = await signIn('alice', 'alice-pass');
    const m = await signIn('mallory', 'mallory-pass');
    const aliceSession = (await a.call('GET', '/account/sessions')).body.sessions[0].id;
    const made = await a.call('POST', '/account/tokens', { title: 'ci', expiresInDays: 30 });
    expect(made.status).toBe(200);
    const aliceToken = made.body.session.id;
    expect((await m.call('DELETE', `/account/sessions/${aliceSession}`)).status).toBe(404);
    expect((await m.call('DELETE', `/account/tokens/${aliceToken}`)).status).toBe(404);
    // A session id on the tokens path (and the reverse) is unknown too.
    expect((await a.call('DELETE', `/account/tokens/${aliceSession}`)).status).toBe(404);
    expect((await a.call('DELETE', `/account/sessions/${aliceToken}`)).status).toBe(404);
    expect((await m.call('DELETE', '/account/sessions/999999')).status).toBe(404);
    expect((await m.call('DELETE', '/account/sessions/abc')).status).toBe(400);
    const mine = (await m.call('GET', '/account/sessions')).body.sessions.map((s: { id: number }) => s.id);
    expect(mine).not.toContain(aliceSession);
    expect((await m.call('GET', '/account/tokens')).body.tokens).toEqual([]);
    // Still alive after mallory's attempts.
    expect((await a.call('GET', '/account')).status).toBe(200);
    expect((await a.call('GET', '/account/tokens')).body.tokens.map((t: { id: number }) => t.id)).toContain(aliceToken);
  });

  it('refuses a cookie call without the CSRF header (403) and without a session (401)', async () => {
    const a = await signIn('alice', 'alice-pass');
    const noCsrf = { cookie: a.headers.cookie };
    expect((await http('DELETE', '/api/v1/account/sessions', { headers: noCsrf })).status).toBe(403);
    expect((await http('POST', '/api/v1/account/tokens', { json: { title: 'x', expiresInDays: 1 }, headers: noCsrf })).status).toBe(403);
    expect((await http('GET', '/api/v1/account/sessions')).status).toBe(401);
    // And the session list still has it: nothing was ended.
    expect((await a.call('GET', '/account')).status).toBe(200);
  });

  it('creates a personal access token shown once, usable as a Feathers bearer until revoked', async () => {
    const a = await signIn('alice', 'alice-pass');
    const made = await a.call('POST', '/account/tokens', { title: 'deploy key', expiresInDays: 7 });
    expect(made.status).toBe(200);
    const token = made.body.token as string;
    expect(token.split('.').length).toBe(3);
    const days = (Date.parse(made.body.session.expires) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThan(7.1);
    const listed = await a.call('GET', '/account/tokens');
    expect(listed.text).not.toContain(token);
    expect(listed.text).not.toContain(token.split('.')[2]);
    expect(listed.body.tokens.find((t: { id: number }) => t.id === made.body.session.id).title).toBe('deploy key');
    // Not among the sign-in sessions.
    expect((await a.call('GET', '/account/sessions')).body.sessions.map((s: { id: number }) => s.id)).not.toContain(made.body.session.id);
    expect((await http('GET', '/auth_sessions', { bearer: token })).status).toBe(200);
    expect((await a.call('DELETE', `/account/tokens/${made.body.session.id}`)).status).toBe(200);
    expect((await http('GET', '/auth_sessions', { bearer: token })).status).toBe(401);
    expect((await a.call('GET', '/account/tokens')).body.tokens.map((t: { id: number }) => t.id)).not.toContain(made.body.session.id);
    // Bad input in the envelope.
    const bad = await a.call('POST', '/account/tokens', { title: '', expiresInDays: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.reason).toBe('bad-request');
  });
});
