import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, describeDb, startServer, type TestServer } from '../support/server.js';

const NUL = 'a\u0000b';
const CSRF = 'c'.repeat(32);
const csrf = { cookie: `_csrf=${CSRF}`, 'x-csrf-token': CSRF };

/** PostgreSQL cannot store U+0000; every dialect must answer 4xx for it, never 500. */
await describeDb('NUL characters in input answer 4xx in every dialect', () => {
  let srv: TestServer;
  let req: ReturnType<typeof client>;

  beforeAll(async () => {
    srv = await startServer({ apiExternal: true, apiSharedSecret: 'shared', simpleOnetimeAllowForgotPassword: true, oauth2AllowCredentials: true, oauth2Clients: { c: { secret: 's', name: 'C', redirecturi: 'http://x/cb', scopes: ['a'] } } });
    req = client(srv.url);
  });
  afterAll(() => srv.close());

  const cases: [string, string, Record<string, unknown>, Record<string, string>?][] = [
    ['POST', '/auth/login', { email: `${NUL}@x.com`, password: 'p' }],
    ['POST', '/auth/register', { name: NUL, email: `${NUL}@x.com`, password: 'Passw0rd!!', confirm: 'Passw0rd!!' }],
    ['POST', '/auth/forgot-password', { email: `${NUL}@x.com` }],
    ['POST', '/auth/refresh-tokens', { refreshToken: NUL }],
    ['POST', '/auth/login-token', { client_id: NUL, client_secret: 's', username: NUL, password: 'p' }],
    ['POST', '/api/v1/auth/session', { username: NUL, password: 'p' }, csrf],
    ['POST', '/api/v1/account', { username: `abc${NUL}de`, password: 'pass', email: `${NUL}@x.com` }, csrf],
    ['POST', '/api/v1/auth/onetime', { email: `${NUL}@x.com` }, csrf],
    ['POST', '/api/v1/auth/oauth2/token', { grant_type: 'password', client_id: NUL, client_secret: 's', username: NUL, password: 'p' }],
    ['POST', '/api/v1/auth/oauth2/token_info', { token: NUL }],
  ];
  for (const [method, path, json, headers] of cases) {
    it(`${method} ${path}`, async () => {
      const r = await req(method, path, { json, headers });
      expect(r.status, r.text).toBeGreaterThanOrEqual(400);
      expect(r.status, r.text).toBeLessThan(500);
    });
  }

  it('GET /api/v1/account/check and SharedKey account ids', async () => {
    for (const r of [
      await req('GET', `/api/v1/account/check?username=${encodeURIComponent(NUL)}`),
      await req('GET', '/api/v1/account', { headers: { authorization: 'SharedKey shared', 'x-account-uuid': 'a\u0000b'.replace('\u0000', '%00') } }),
    ]) {
      expect(r.status, r.text).toBeGreaterThanOrEqual(400);
      expect(r.status, r.text).toBeLessThan(500);
    }
  });
});
