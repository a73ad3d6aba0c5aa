import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, describeDb, startServer, type TestServer } from '../../support/server.js';
import { CLIENTS, REDIRECT } from './fixtures.js';

/**
 * The OAuth2 provider under the login throttle: replayed codes are refused without locking the
 * client out, and wrong client secrets end in 429.
 */

await describeDb('simple dialect: OAuth2 rate limiting', () => {
  let s2: TestServer;
  beforeAll(async () => {
    s2 = await startServer({ apiExternal: true, apiSharedSecret: 'super-secret', oauth2AllowCredentials: true, oauth2Clients: { testid: CLIENTS.testid }, loginMaxFailures: 3 });
  });
  afterAll(async () => s2?.close());

  it('replaying a used code is refused but never locks the client out', async () => {
    const r2 = client(s2.url);
    const u = await s2.core.accounts.create({ username: 'replay', password: 'test-pass', email: 'replay@example.com' });
    const h = { authorization: 'SharedKey super-secret', 'x-account-uuid': u.uuid };
    const codeOf = async () => (await r2('POST', '/api/v1/auth/oauth2/grant', { json: { client_id: 'testid', response_type: 'code', redirect_uri: REDIRECT }, headers: h })).body.code as string;
    const ex = (code: string) => r2('POST', '/api/v1/auth/oauth2/token', { json: { grant_type: 'authorization_code', client_id: 'testid', client_secret: 'client-secret', redirect_uri: REDIRECT, code } });
    const used = await codeOf();
    expect((await ex(used)).status).toBe(200);
    for (let i = 0; i < 6; i++) expect((await ex(used)).status).toBe(400);
    expect((await ex(await codeOf())).status).toBe(200);
  });

  it('wrong client secrets count in the login throttle: 429 with Retry-After', async () => {
    const r2 = client(s2.url);
    const body = { grant_type: 'refresh_token', client_id: 'testid', client_secret: 'wrong', refresh_token: 'x' };
    for (let i = 0; i < 3; i++) expect((await r2('POST', '/api/v1/auth/oauth2/token', { json: body })).status).toBe(400);
    const locked = await r2('POST', '/api/v1/auth/oauth2/token', { json: body });
    expect(locked.status).toBe(429);
    expect(locked.body.error).toBe('invalid_request');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
