import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, DB, describeDb, startServer, type TestServer } from '../../support/server.js';
import { openDb } from '../../../src/store/db.js';
import { EXTERNAL_PROBE_MS } from '../../../src/store/generation.js';
import type { UserRow } from '../../../src/store/users.js';

/**
 * token_info remembers active answers (a map lookup instead of three queries per call); every
 * way a token stops being live must still show on the next call: revocation, rotation, a removed
 * account or client, and a write by another process on the same database.
 */

const CLIENTS = {
  cached: { secret: 'cached-secret', name: 'Cached', redirecturi: 'http://example.com/cb', scopes: ['a', 'email'], allowcredentials: true, issuerefreshtoken: true },
};

let srv: TestServer;
let req: ReturnType<typeof client>;

const info = async (t: string) => (await req('POST', '/api/v1/auth/oauth2/token_info', { json: { token: t } })).body;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');

async function newUser(name: string): Promise<UserRow> {
  return srv.core.accounts.create({ username: name, password: 'test-pass', email: `${name}@example.com` });
}
async function passwordGrant(username: string, scope = 'a email'): Promise<{ access_token: string; refresh_token: string }> {
  const r = await req('POST', '/api/v1/auth/oauth2/token', {
    form: { grant_type: 'password', client_id: 'cached', client_secret: 'cached-secret', username, password: 'test-pass', scope },
  });
  expect(r.status).toBe(200);
  return r.body;
}

await describeDb('token_info cache: every end of a token shows at once', () => {
  beforeAll(async () => {
    srv = await startServer({ apiExternal: true, apiSharedSecret: 'super-secret', oauth2AllowCredentials: true, oauth2Clients: CLIENTS });
    req = client(srv.url);
  });
  afterAll(async () => srv?.close());

  it('repeats the same answer, byte for byte, in the original field order', async () => {
    const u = await newUser('repeat');
    const t = await passwordGrant('repeat');
    const first = await req('POST', '/api/v1/auth/oauth2/token_info', { json: { token: t.access_token } });
    const second = await req('POST', '/api/v1/auth/oauth2/token_info', { json: { token: t.access_token } });
    expect(first.status).toBe(200);
    expect(second.text).toBe(first.text);
    expect(first.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Object.keys(first.body)).toEqual(['active', 'scope', 'client_id', 'token_type', 'iat', 'exp', 'sub', 'aud', 'iss', 'email']);
    expect(first.body).toMatchObject({ active: true, scope: 'a email', sub: u.uuid, email: 'repeat@example.com' });
  });

  it('a missing body is bound as an empty one, as the original binds it', async () => {
    const none = await req('POST', '/api/v1/auth/oauth2/token_info');
    expect(none.status).toBe(400);
    expect(none.body).toEqual({ error: 'invalid_request', error_description: 'Missing token' });
    const account = await req('POST', '/api/v1/account', { headers: { authorization: 'SharedKey super-secret' } });
    expect(account.status).toBe(400);
    // The handler's own check names the field, as Go's validator did: the body was bound, empty.
    expect(account.body).toMatchObject({ error: true, reason: 'bad-request' });
    expect(account.body.message).toContain("createAccountRequest.Username");
  });

  it('a token revoked through the API is inactive on the next call', async () => {
    const u = await newUser('revoked');
    const t = await passwordGrant('revoked');
    expect((await info(t.access_token)).active).toBe(true);
    expect((await info(t.access_token)).active).toBe(true);
    const r = await req('DELETE', `/api/v1/auth/oauth2/token?client_id=cached&token=${encodeURIComponent(t.access_token)}`, {
      headers: { authorization: 'SharedKey super-secret', 'x-account-uuid': u.uuid },
    });
    expect(r.status).toBe(200);
    expect(await info(t.access_token)).toEqual({ active: false });
  });

  it('an access token revoked by a refresh (revokeoldtokens) is inactive on the next call', async () => {
    await newUser('rotated');
    await srv.core.oauth2.createClient({
      clientId: 'single', secret: 'single-secret', name: 'Single', redirectUris: ['http://example.com/cb'], scopes: ['a'],
      overrides: { allowcredentials: true, issuerefreshtoken: true, reusetoken: false, revokeoldtokens: true },
    });
    const t = await req('POST', '/api/v1/auth/oauth2/token', {
      form: { grant_type: 'password', client_id: 'single', client_secret: 'single-secret', username: 'rotated', password: 'test-pass' },
    });
    expect(t.status).toBe(200);
    const refresh = t.body.refresh_token as string;
    const access = t.body.access_token as string;
    expect((await info(access)).active).toBe(true);
    expect((await info(access)).active).toBe(true);
    const r = await req('POST', '/api/v1/auth/oauth2/token', {
      form: { grant_type: 'refresh_token', client_id: 'single', client_secret: 'single-secret', refresh_token: refresh },
    });
    expect(r.status).toBe(200);
    expect(await info(access)).toEqual({ active: false });
    expect((await info(r.body.access_token as string)).active).toBe(true);
    expect((await info(refresh)).active).toBe(true);
  });

  it("a removed account's tokens are inactive on the next call", async () => {
    const u = await newUser('removed');
    const t = await passwordGrant('removed');
    expect((await info(t.access_token)).active).toBe(true);
    await srv.core.accounts.remove(u);
    expect(await info(t.access_token)).toEqual({ active: false });
  });

  it("a removed client's tokens are inactive on the next call", async () => {
    await newUser('clientgone');
    await srv.core.oauth2.createClient({ clientId: 'temp', secret: 'temp-secret', name: 'Temp', redirectUris: ['http://example.com/cb'], scopes: ['a'], overrides: { allowcredentials: true } });
    const r = await req('POST', '/api/v1/auth/oauth2/token', {
      form: { grant_type: 'password', client_id: 'temp', client_secret: 'temp-secret', username: 'clientgone', password: 'test-pass' },
    });
    expect(r.status).toBe(200);
    const access = r.body.access_token as string;
    expect((await info(access)).active).toBe(true);
    expect((await info(access)).active).toBe(true);
    expect(await srv.core.oauth2.deleteClient('temp', 'test')).toBe(true);
    expect(await info(access)).toEqual({ active: false });
  });

  it('a write by another process shows within the documented bound', async () => {
    await newUser('elsewhere');
    const t = await passwordGrant('elsewhere');
    expect((await info(t.access_token)).active).toBe(true);
    expect((await info(t.access_token)).active).toBe(true);
    // Another connection, as the CLI or another node would have.
    const other = await openDb(srv.config.databaseUrl);
    try {
      const r = await other.db.updateTable('oauth_tokens').set({ deleted_at: Date.now() }).where('hash', '=', sha256(t.access_token)).executeTakeFirst();
      expect(Number(r.numUpdatedRows)).toBe(1);
    } finally {
      await other.close();
    }
    // SQLite: seen through data_version at most EXTERNAL_PROBE_MS later; PostgreSQL: answers are trusted for 1 s at most.
    await sleep(DB === 'sqlite' ? EXTERNAL_PROBE_MS + 50 : 1100);
    expect(await info(t.access_token)).toEqual({ active: false });
  });
});
