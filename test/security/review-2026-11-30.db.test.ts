/**
 * Attacker's review of the 2026-11-30 changes (account sessions and tokens over simple-auth, the
 * admin console's services, the hosted pages). Each test is a hole found in that review, fixed.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startServer, client, describeDb, type TestServer } from '../support/server.js';

await describeDb('review 2026-11-30', () => {
  let srv: TestServer;
  let http: ReturnType<typeof client>;

  beforeAll(async () => {
    srv = await startServer({ vouchEnabled: true });
    http = client(srv.url);
    await srv.core.accounts.create({ username: 'victim', password: 'victim-pass', email: 'victim@example.com' });
  }, 60_000);
  afterAll(async () => {
    await srv?.close();
  });

  async function signIn(username: string, password: string) {
    const csrf = 'c'.repeat(32);
    const r = await http('POST', '/api/v1/auth/session', { json: { username, password }, headers: { cookie: `_csrf=${csrf}`, 'x-csrf-token': csrf } });
    expect(r.status).toBe(200);
    const auth = /auth=([^;]+)/.exec(r.headers.get('set-cookie') ?? '')?.[1] ?? '';
    expect(auth).not.toBe('');
    const headers = { cookie: `_csrf=${csrf}; auth=${auth}`, 'x-csrf-token': csrf };
    return { auth, call: (method: string, path: string, json?: unknown) => http(method, `/api/v1${path}`, { json, headers }) };
  }

  it('"sign out all others" ends a stolen cookie even when the account holds more than 200 newer rows (personal access tokens)', async () => {
    // The attacker holds a copy of an older cookie of the account.
    const stolen = await signIn('victim', 'victim-pass');
    // Same-second sign-ins share a cookie value: the next one waits for the next second anyway.
    const owner = await signIn('victim', 'victim-pass');
    // With the stolen cookie, 201 personal access tokens (no quota), each a newer session row.
    for (let i = 0; i < 201; i++) expect((await stolen.call('POST', '/account/tokens', { title: `t${i}`, expiresInDays: 1 })).status).toBe(200);
    // The owner's listing still shows the stolen session, and "sign out all others" ends it.
    const listed = (await owner.call('GET', '/account/sessions')).body.sessions as { id: number; current: boolean }[];
    expect(listed.length).toBe(2);
    const ended = await owner.call('DELETE', '/account/sessions');
    expect(ended.status).toBe(200);
    expect(ended.body.ended).toBe(1);
    expect((await stolen.call('GET', '/account')).status).toBe(401);
    expect((await owner.call('GET', '/account')).status).toBe(200);
  }, 60_000);

  it('a session ended by id is refused by vouch (forward-auth) and /api/v1/account at once', async () => {
    const a = await signIn('victim', 'victim-pass');
    const b = await signIn('victim', 'victim-pass');
    const bId = (await b.call('GET', '/account/sessions')).body.sessions.find((s: { current: boolean }) => s.current).id;
    expect((await http('GET', '/api/v1/auth/vouch', { headers: { cookie: `auth=${b.auth}` } })).status).toBe(200);
    expect((await a.call('DELETE', `/account/sessions/${bId}`)).status).toBe(200);
    expect((await http('GET', '/api/v1/auth/vouch', { headers: { cookie: `auth=${b.auth}` } })).status).toBe(401);
    expect((await b.call('GET', '/account')).status).toBe(401);
  }, 30_000);
});

await describeDb('review 2026-11-30: admin services never answer 500 to bad input', () => {
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  let root = '';
  beforeAll(async () => {
    srv = await startServer({});
    req = client(srv.url);
    await srv.core.accounts.create({ username: 'root', password: 'root-pass-1', roles: ['admin'] });
    await srv.core.accounts.create({ username: 'other', password: 'other-pass-1' });
    root = (await req('POST', '/authentication', { json: { strategy: 'local', username: 'root', password: 'root-pass-1' } })).body.accessToken;
  }, 60_000);
  afterAll(async () => srv?.close());

  it('odd input is a 4xx', async () => {
    const nul = 'a\u0000b';
    const calls: [string, string, unknown?, Record<string, string>?][] = [
      ['GET', '/admin_users?q=%00'],
      ['GET', '/admin_users?q[x]=1'],
      ['GET', '/admin_users?$limit=-5&$skip=abc'],
      ['GET', '/admin_users/abc'],
      ['GET', '/admin_users/99999999999999999999'],
      ['POST', '/admin_users', { username: nul, password: 'x-pass-123' }],
      ['POST', '/admin_users', { username: 'newbie1', password: nul }],
      ['POST', '/admin_users', { username: 'other', password: 'x-pass-123' }],
      ['POST', '/admin_users', { username: 'newbie2', password: 'x-pass-123', roles: ['no-such-role'] }],
      ['POST', '/admin_users', { username: 'newbie3', password: 'x-pass-123', clientIds: [999999] }],
      ['PATCH', '/admin_users/2', { username: nul }],
      ['PATCH', '/admin_users/2', { phone: nul }],
      ['PATCH', '/admin_users/2', { username: 'root' }],
      ['PATCH', '/admin_users/2', { roles: ['no-such-role'] }],
      ['PATCH', '/admin_users/2', { password: nul }],
      ['POST', '/admin_users', { id: 2, clientId: 999999 }, { 'x-service-method': 'allowClient' }],
      ['POST', '/admin_users', { id: 2, clientId: 999999 }, { 'x-service-method': 'disallowClient' }],
      ['POST', '/admin_users', { id: 2 }, { 'x-service-method': 'allowClient' }],
      ['POST', '/admin_users', { id: 999999 }, { 'x-service-method': 'signOut' }],
      ['POST', '/admin_arc_clients', { clientId: 'ok-client', redirectUrl: nul }],
      ['POST', '/admin_arc_clients', { clientId: 'ok-client' }],
      ['POST', '/admin_arc_clients', { clientId: 'ok-client' }],
      ['PATCH', '/admin_arc_clients/abc', { rotateSecret: true }],
      ['DELETE', '/admin_arc_clients/99999'],
      ['POST', '/admin_oauth2_clients', { clientId: 'c1', name: nul, redirectUris: ['https://a.example/cb'] }],
      ['POST', '/admin_oauth2_clients', { clientId: 'c2', name: 'C2', redirectUris: [nul] }],
      ['POST', '/admin_oauth2_clients', { clientId: 'c3', name: 'C3', redirectUris: ['https://a.example/cb'], scopes: [nul] }],
      ['POST', '/admin_oauth2_clients', { clientId: 'c4', name: 'C4', redirectUris: ['https://a.example/cb'] }],
      ['POST', '/admin_oauth2_clients', { clientId: 'c4', name: 'C4', redirectUris: ['https://a.example/cb'] }],
      ['PATCH', '/admin_oauth2_clients/c4', { author: nul }],
      ['PATCH', '/admin_oauth2_clients/nope', { name: 'x' }],
      ['DELETE', '/admin_oauth2_clients/nope'],
    ];
    const bad: string[] = [];
    for (const [method, path, json, headers] of calls) {
      const r = await req(method, path, { json, headers, bearer: root });
      if (r.status >= 500) bad.push(`${method} ${path} ${JSON.stringify(json)} -> ${r.status} ${r.text.slice(0, 200)}`);
    }
    expect(bad).toEqual([]);
  }, 60_000);
});

describe('review 2026-11-30: Redis down does not lift the budget on API-secret guesses', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer({ redisUrl: 'redis://127.0.0.1:1', redisPrefix: `review-${process.pid}:`, apiExternal: true, apiSharedSecret: 'the-real-shared-secret', loginMaxFailuresPerIp: 100 });
  }, 60_000);
  afterAll(async () => srv?.close());

  it('a wrong SharedKey answers 503 (its guess cannot be counted), not an unthrottled 401', async () => {
    const r = await client(srv.url)('GET', '/api/v1/account', { headers: { authorization: 'SharedKey guess-1', 'x-account-uuid': 'x' } });
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('5');
  }, 30_000);
});
