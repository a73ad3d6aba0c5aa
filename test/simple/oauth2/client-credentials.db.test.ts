import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { client, describeDb, freshDatabase, startServer, type TestServer } from '../../support/server.js';
import { openDb } from '../../../src/store/db.js';
import { migrate } from '../../../src/store/migrations/index.js';
import type { UserRow } from '../../../src/store/users.js';
import { CLIENTS, oauthError, REDIRECT } from './fixtures.js';

/**
 * The client_credentials grant, Gatehouse's addition: a confidential client's own token, with
 * no account, and the migration that lets a token have none.
 */

await describeDb('simple dialect: OAuth2 client_credentials (an addition)', () => {
  let s3: TestServer;
  let r3: ReturnType<typeof client>;
  let owner: UserRow;
  let h: Record<string, string>;
  const cc = (body: Record<string, unknown>, headers?: Record<string, string>) => r3('POST', '/api/v1/auth/oauth2/token', { json: { grant_type: 'client_credentials', ...body }, headers });
  const info3 = async (t: string) => (await r3('POST', '/api/v1/auth/oauth2/token_info', { json: { token: t } })).body;
  beforeAll(async () => {
    s3 = await startServer({
      apiExternal: true,
      apiSharedSecret: 'super-secret',
      oauth2AllowCredentials: true,
      oauth2Clients: {
        testid: { ...CLIENTS.testid, issuer: 'gatehouse-test', allowclientcredentials: true },
        spa: { ...CLIENTS.spa, allowclientcredentials: true },
        nosecret: { secret: '', name: 'No secret', redirecturi: REDIRECT, scopes: ['a'], allowclientcredentials: true },
        optedout: { secret: 'oo-secret', name: 'Not opted in', redirecturi: REDIRECT, scopes: ['a'] },
      },
      loginMaxFailures: 3,
    });
    r3 = client(s3.url);
    owner = await s3.core.accounts.create({ username: 'ccowner', password: 'test-pass', email: 'cc@example.com' });
    h = { authorization: 'SharedKey super-secret', 'x-account-uuid': owner.uuid };
  });
  afterAll(async () => s3?.close());

  it('a confidential client gets an access token with its secret in the body: no refresh token, no id_token', async () => {
    const r = await cc({ client_id: 'testid', client_secret: 'client-secret', scope: 'A b' });
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(r.body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(r.body).toMatchObject({ token_type: 'Bearer', expires_in: 21600, scope: 'a b' });
    expect(r.body.access_token).toMatch(/^[0-9a-f-]{36}$/);
    const bare = await cc({ client_id: 'testid', client_secret: 'client-secret' });
    expect(Object.keys(bare.body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(bare.body.access_token).not.toBe(r.body.access_token);
  });

  it('HTTP Basic authenticates the client too (JSON and form bodies)', async () => {
    const basic = `Basic ${Buffer.from('testid:client-secret').toString('base64')}`;
    const j = await cc({ scope: 'a' }, { authorization: basic });
    expect(j.status).toBe(200);
    expect(j.body.scope).toBe('a');
    const f = await r3('POST', '/api/v1/auth/oauth2/token', { form: { grant_type: 'client_credentials' }, headers: { authorization: basic } });
    expect(f.status).toBe(200);
    expect(f.body.access_token).toBeTruthy();
  });

  it('token_info: active, the client as audience, no account claims', async () => {
    const r = await cc({ client_id: 'testid', client_secret: 'client-secret', scope: 'a username' });
    const i = await info3(r.body.access_token);
    expect(i).toEqual({ active: true, scope: 'a username', client_id: 'testid', token_type: 'access_token', iat: expect.any(Number), exp: expect.any(Number), aud: 'testid', iss: 'gatehouse-test' });
    expect(i.exp - i.iat).toBe(21600);
    expect(i).not.toHaveProperty('sub');
    expect(i).not.toHaveProperty('username');
  });

  it('stored hashed, no account audit, and invisible to account token lists and revocation', async () => {
    const r = await cc({ client_id: 'testid', client_secret: 'client-secret' });
    const rows = await s3.store.db.selectFrom('oauth_tokens').selectAll().where('user_id', 'is', null).execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.type === 'access_token')).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(r.body.access_token);
    expect((await s3.core.audit.forUser(owner.id, 100, 0)).filter((a) => a.module === 'auth:oauth2')).toEqual([]);
    expect((await r3('GET', '/api/v1/auth/oauth2', { headers: h })).body).toEqual({ tokens: [] });
    expect((await r3('DELETE', '/api/v1/auth/oauth2/token?client_id=testid', { headers: h })).body).toEqual({ success: true });
    expect((await r3('DELETE', `/api/v1/auth/oauth2/token?client_id=testid&token=${r.body.access_token}`, { headers: h })).body).toEqual({ success: true });
    expect((await info3(r.body.access_token)).active).toBe(true);
  });

  it('account grants beside client tokens: reuse and revoke-old work as before', async () => {
    await cc({ client_id: 'testid', client_secret: 'client-secret', scope: 'a' });
    const p = { grant_type: 'password', client_id: 'testid', client_secret: 'client-secret', username: 'ccowner', password: 'test-pass', scope: 'a' };
    const one = await r3('POST', '/api/v1/auth/oauth2/token', { json: p });
    expect(one.status).toBe(200);
    expect(one.body.refresh_token).toBeTruthy();
    const two = await r3('POST', '/api/v1/auth/oauth2/token', { json: p });
    expect(two.body.access_token).toBe(one.body.access_token);
    expect((await info3(one.body.access_token)).sub).toBe(owner.uuid);
    const ref = await r3('POST', '/api/v1/auth/oauth2/token', { json: { grant_type: 'refresh_token', client_id: 'testid', client_secret: 'client-secret', refresh_token: one.body.refresh_token } });
    expect(ref.status).toBe(200);
    const list = (await r3('GET', '/api/v1/auth/oauth2', { headers: h })).body.tokens as { type: string }[];
    expect(list.map((t) => t.type).sort()).toEqual(['access_token', 'refresh_token']);
  });

  it('a client token is not a refresh token or a code', async () => {
    const r = await cc({ client_id: 'testid', client_secret: 'client-secret' });
    oauthError(await r3('POST', '/api/v1/auth/oauth2/token', { json: { grant_type: 'refresh_token', client_id: 'testid', client_secret: 'client-secret', refresh_token: r.body.access_token } }), 'server_error');
  });

  it('scopes beyond the client are refused', async () => {
    const r = await cc({ client_id: 'testid', client_secret: 'client-secret', scope: 'a c' });
    expect(r.body).toEqual({ error: 'invalid_scope', error_description: 'Invalid scopes' });
  });

  it('public clients and clients without a secret are refused', async () => {
    const pub = await cc({ client_id: 'spa', scope: 'a' });
    expect(pub.status).toBe(400);
    expect(pub.body.error).toBe('unauthorized_client');
    oauthError(await cc({ client_id: 'spa', client_secret: 'anything' }), 'unauthorized_client');
    oauthError(await cc({ client_id: 'nosecret', client_secret: '' }), 'unauthorized_client');
    oauthError(await cc({ client_id: 'nosecret' }), 'unauthorized_client');
    // Off unless the client opts in (allowclientcredentials): the original had no such grant.
    oauthError(await cc({ client_id: 'optedout', client_secret: 'oo-secret' }), 'unauthorized_client');
    oauthError(await cc({ client_id: 'nope', client_secret: 'x' }), 'invalid_client');
  });

  it('a wrong secret is refused like the other grants and counts in the throttle', async () => {
    expect((await cc({ client_id: 'testid', client_secret: 'wrong' })).body).toEqual({ error: 'server_error', error_description: 'invalid secret' });
    oauthError(await cc({ client_id: 'testid' }), 'server_error');
    oauthError(await cc({}, { authorization: `Basic ${Buffer.from('testid:wrong').toString('base64')}` }), 'server_error');
    const locked = await cc({ client_id: 'testid', client_secret: 'wrong' });
    expect(locked.status).toBe(429);
    expect(locked.body.error).toBe('invalid_request');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('0003_client_tokens keeps existing rows, their constraints and indexes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-mig-'));
    const fresh = await freshDatabase(dir);
    const store = await openDb(fresh.url);
    try {
      expect(await migrate(store, '0002_simple_dialect')).toEqual(['0001_initial', '0002_simple_dialect']);
      const db = store.db;
      const now = Date.now();
      const u = await db.insertInto('users').values({ uuid: 'u-1', username: 'm', username_norm: 'm', status: 1, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
      const c = await db
        .insertInto('clients')
        .values({ client_id: 'mc', client_secret_enc: 'x', secret_enc: 'x', access_token_expiration: 1, refresh_token_expiration: 1, auth_code_expiration: 1, created_at: now, modified_at: now, scopes: 'a' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const tok = { token_enc: null, short: 'abcde', type: 'access_token', client_id: c.id, scope: 'a', data: null, created_at: now, expires_at: now + 60_000, deleted_at: null };
      await db.insertInto('oauth_tokens').values({ ...tok, hash: 'h1', user_id: u.id }).execute();
      await expect(db.insertInto('oauth_tokens').values({ ...tok, hash: 'h-null', user_id: null }).execute()).rejects.toThrow();
      expect(await migrate(store, '0003_client_tokens')).toEqual(['0003_client_tokens']);
      expect(await migrate(store, '0003_client_tokens')).toEqual([]);
      const kept = await db.selectFrom('oauth_tokens').selectAll().execute();
      expect(kept).toHaveLength(1);
      expect(kept[0]).toMatchObject({ hash: 'h1', user_id: u.id, client_id: c.id, short: 'abcde', scope: 'a' });
      const n = await db.insertInto('oauth_tokens').values({ ...tok, hash: 'h2', user_id: null }).returning('id').executeTakeFirstOrThrow();
      expect(n.id).toBeGreaterThan(kept[0]!.id);
      await expect(db.insertInto('oauth_tokens').values({ ...tok, hash: 'h2', user_id: null }).execute()).rejects.toThrow();
      await expect(db.insertInto('oauth_tokens').values({ ...tok, hash: 'h3', user_id: 9999 }).execute()).rejects.toThrow();
      const idx = (await db.introspection.getTables()).find((t) => t.name === 'oauth_tokens');
      expect(idx?.columns.find((col) => col.name === 'user_id')?.isNullable).toBe(true);
      if (store.kind === 'sqlite') {
        const names = (await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'oauth_tokens'`.execute(db)).rows.map((x) => x.name);
        expect(names).toEqual(expect.arrayContaining(['oauth_tokens_client_user', 'oauth_tokens_user']));
      } else {
        const names = (await sql<{ indexname: string }>`select indexname from pg_indexes where tablename = 'oauth_tokens'`.execute(db)).rows.map((x) => x.indexname);
        expect(names).toEqual(expect.arrayContaining(['oauth_tokens_client_user', 'oauth_tokens_user']));
      }
      await db.deleteFrom('users').where('id', '=', u.id).execute();
      expect((await db.selectFrom('oauth_tokens').select('hash').execute()).map((x) => x.hash)).toEqual(['h2']);
    } finally {
      await store.close();
      await fresh.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
