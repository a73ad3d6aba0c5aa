/**
 * simple dialect: RS256 session cookies verify with the public key alone (as downstream apps do),
 * and guesses of the API secrets meet the same throttle as passwords.
 */
import { generateKeyPairSync } from 'node:crypto';
import { it, expect, afterEach } from 'vitest';
import { importSPKI, jwtVerify } from 'jose';
import { describeDb, startServer, client, type TestServer } from '../support/server.js';

let srv: TestServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

await describeDb('simple: signing keys and secret guessing', () => {
  it('issues RS256 session cookies that verify with the public key, and accepts them back', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    srv = await startServer({
      apiExternal: true,
      apiSharedSecret: 'super-secret',
      vouchEnabled: true,
      vouchUserHeader: 'X-User-Id',
      simpleCookieSigningMethod: 'rs256',
      simpleCookieSigningKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
    const user = await srv.core.accounts.create({ username: 'rsauser', password: 'rsa-pass', email: 'rsa@example.com' });
    const req = client(srv.url);
    const login = await req('POST', '/api/v1/auth/session', { json: { username: 'rsauser', password: 'rsa-pass' }, headers: { authorization: 'SharedKey super-secret' } });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const jwt = cookie.slice('auth='.length);
    const key = await importSPKI(publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'RS256');
    const { payload, protectedHeader } = await jwtVerify(jwt, key, { audience: 'simple-auth', issuer: 'simple-auth' });
    expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(Object.keys(payload)).toEqual(['aud', 'exp', 'iss', 'sub', 'src']);
    expect(payload.sub).toBe(user.uuid);
    const vouch = await req('GET', '/api/v1/auth/vouch', { headers: { cookie } });
    expect(vouch.status).toBe(200);
    expect(vouch.headers.get('x-user-id')).toBe(user.uuid);
  });

  it('counts wrong SharedKeys and /auth/simple Bearer secrets in the address budget only (429 with Retry-After past it)', async () => {
    srv = await startServer({ apiExternal: true, apiSharedSecret: 'super-secret', simpleAuthEnabled: true, simpleAuthSecret: 'bearer-secret', loginMaxFailures: 3, loginMaxFailuresPerIp: 6 });
    const user = await srv.core.accounts.create({ username: 'guessed', password: 'guess-pass', email: 'guess@example.com' });
    const req = client(srv.url);
    const wrong = { authorization: 'SharedKey nope', 'x-account-uuid': user.uuid };
    // More wrong keys than the per-account limit: the original's clients expect 401 each time.
    for (let i = 0; i < 4; i++) expect((await req('GET', '/api/v1/account', { headers: wrong })).status).toBe(401);
    const body = { json: { username: 'guessed', password: 'guess-pass' } };
    for (let i = 0; i < 2; i++) expect((await req('POST', '/api/v1/auth/simple', { ...body, bearer: 'wrong' })).status).toBe(401);
    // The address's budget (6) is spent by both kinds of guess together.
    const locked = await req('GET', '/api/v1/account', { headers: wrong });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(locked.body).toMatchObject({ error: true, reason: 'too-many-requests' });
    expect((await req('POST', '/api/v1/auth/simple', { ...body, bearer: 'wrong' })).status).toBe(429);
    // The right key still works: only guesses are limited.
    expect((await req('GET', '/api/v1/account', { headers: { authorization: 'SharedKey super-secret', 'x-account-uuid': user.uuid } })).status).toBe(200);
  });
});
