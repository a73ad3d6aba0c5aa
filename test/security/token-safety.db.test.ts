import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, describeDb, startServer, type TestServer } from '../support/server.js';
import { arcFixture } from '../support/fixtures/arc.js';

await describeDb('token and login safety', () => {
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  let fx: Awaited<ReturnType<typeof arcFixture>>;

  beforeAll(async () => {
    srv = await startServer({ loginMaxFailures: 5, loginLockoutSeconds: 60 });
    req = client(srv.url);
    fx = await arcFixture(srv.core);
  });
  afterAll(() => srv.close());

  it('parallel exchanges of one auth code yield exactly one token pair', async () => {
    const { body } = await req('POST', '/auth/login', { json: fx.login() });
    const results = await Promise.all(Array.from({ length: 12 }, () => req('POST', '/auth/token', { json: { clientId: 'web', code: body.code } })));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expect(r.body.error).toMatchObject({ statusCode: 401, message: 'Code Expired' });
  });

  it('parallel rotations of one refresh token: one wins, and the reuse ends the family', async () => {
    const t = (await req('POST', '/auth/login-token', { json: fx.login() })).body;
    const results = await Promise.all(Array.from({ length: 8 }, () => req('POST', '/auth/token-refresh', { json: { refreshToken: t.refreshToken }, bearer: t.accessToken })));
    const winners = results.filter((r) => r.status === 200);
    expect(winners.length).toBeLessThanOrEqual(1);
    expect(results.filter((r) => r.status === 401)).toHaveLength(results.length - winners.length);
    for (const w of winners) {
      const next = await req('POST', '/auth/token-refresh', { json: { refreshToken: w.body.refreshToken }, bearer: w.body.accessToken });
      expect(next.status).toBe(401);
    }
  });

  it('a rotation revokes the access token issued with the old refresh token at once, on the feed in the same write', async () => {
    const t = (await req('POST', '/auth/login-token', { json: fx.login() })).body;
    expect((await req('GET', '/auth/me', { bearer: t.accessToken })).status).toBe(200);
    const before = await srv.store.accessEvents.latestId();
    const r = await req('POST', '/auth/token-refresh', { json: { refreshToken: t.refreshToken }, bearer: t.accessToken });
    expect(r.status).toBe(200);
    expect((await req('GET', '/auth/me', { bearer: t.accessToken })).status).toBe(401);
    expect((await req('GET', '/auth/me', { bearer: r.body.accessToken })).status).toBe(200);
    // The other nodes learn it from the feed: the revocation is there, written with the rotation.
    const events = await srv.store.accessEvents.since(before);
    expect(events.filter((e) => e.kind === 'revoke')).toHaveLength(1);
  });

  it('parallel wrong passwords cannot get past the lockout, and it then holds for the right one', async () => {
    const attempts = await Promise.all(Array.from({ length: 20 }, () => req('POST', '/auth/login-token', { json: fx.login('wrong-password') })));
    const statuses = attempts.map((r) => r.status);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    // At most five passwords were ever checked; the rest were refused before hashing.
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    const locked = attempts.find((r) => r.status === 429);
    expect(locked?.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(locked?.body.error).toMatchObject({ statusCode: 429, name: 'TooManyRequestsError' });
    const right = await req('POST', '/auth/login-token', { json: fx.login() });
    expect(right.status).toBe(429);
    // The lock is per account: another account still signs in.
    await srv.core.accounts.create({ username: 'other', password: 'other-pw', clientIds: [fx.web.id] });
    expect((await req('POST', '/auth/login-token', { json: { ...fx.login('other-pw'), username: 'other' } })).status).toBe(200);
  });

  it('a bcrypt hash imported from the original verifies and is upgraded to argon2id', async () => {
    const u = await srv.core.accounts.create({ username: 'legacy', clientIds: [fx.web.id] });
    await srv.store.users.setPasswordHash(srv.store.db, u.id, bcrypt.hashSync('legacy-pw', 4), Date.now());
    expect((await req('POST', '/auth/login-token', { json: { ...fx.login('legacy-pw'), username: 'legacy' } })).status).toBe(200);
    expect(await srv.store.users.passwordHash(u.id)).toMatch(/^\$argon2id\$/);
    expect((await req('POST', '/auth/login-token', { json: { ...fx.login('legacy-pw'), username: 'legacy' } })).status).toBe(200);
  });

  it('refresh tokens, codes and passwords are stored hashed', async () => {
    const t = (await req('POST', '/auth/login-token', { json: { ...fx.login('other-pw'), username: 'other' } })).body;
    const db = srv.store.db;
    const rts = await db.selectFrom('refresh_tokens').select('hash').execute();
    expect(rts.some((r) => r.hash === t.refreshToken)).toBe(false);
    const clients = await db.selectFrom('clients').select(['client_secret_enc', 'secret_enc']).execute();
    for (const c of clients) expect(`${c.client_secret_enc}${c.secret_enc}`).not.toMatch(/test|poiuytrewq/);
    const creds = await db.selectFrom('credentials').select('password_hash').execute();
    // The whole plaintexts: a random salt may well contain "pw" (base64), but never "other-pw".
    for (const c of creds) for (const plain of ['temp123!@', 'other-pw', 'legacy-pw']) expect(c.password_hash ?? '').not.toContain(plain);
  });
});
