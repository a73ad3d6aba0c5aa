import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHs256, signJwt, signingKey } from '../../src/core/tokens/jwt.js';
import { client, describeDb, startServer, type TestServer } from '../support/server.js';
import { arcFixture } from '../support/fixtures/arc.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Other spellings of the same signature bytes that Buffer.from(…, 'base64url') accepts. */
function respellings(token: string): string[] {
  const last = token.at(-1) as string;
  // The last character of a 32- or 256-byte signature carries unused low bits: flip one.
  const flipped = ALPHABET[ALPHABET.indexOf(last) ^ 1] as string;
  return [`${token}=`, `${token.slice(0, -1)}${flipped}`, `${token}==`];
}

const CSRF = 'c'.repeat(32);

await describeDb('strict tokens: a revoked token re-spelled is still revoked', () => {
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  let fx: Awaited<ReturnType<typeof arcFixture>>;

  beforeAll(async () => {
    srv = await startServer({ vouchEnabled: true });
    req = client(srv.url);
    fx = await arcFixture(srv.core);
  });
  afterAll(() => srv.close());

  it('ARC: a logged-out access token is refused in every spelling, and a live one only in its own', async () => {
    const t = (await req('POST', '/auth/login-token', { json: fx.login() })).body;
    for (const alt of respellings(t.accessToken)) expect((await req('GET', '/auth/me', { bearer: alt })).status).toBe(401);
    expect((await req('GET', '/auth/me', { bearer: t.accessToken })).status).toBe(200);
    expect((await req('POST', '/logout', { json: { refreshToken: t.refreshToken }, bearer: t.accessToken })).status).toBe(200);
    expect((await req('GET', '/auth/me', { bearer: t.accessToken })).status).toBe(401);
    for (const alt of respellings(t.accessToken)) {
      const r = await req('GET', '/auth/me', { bearer: alt });
      expect(r.status).toBe(401);
    }
  });

  it('ARC: an access token rotated away is refused in every spelling', async () => {
    const t = (await req('POST', '/auth/login-token', { json: fx.login() })).body;
    expect((await req('POST', '/auth/token-refresh', { json: { refreshToken: t.refreshToken }, bearer: t.accessToken })).status).toBe(200);
    for (const token of [t.accessToken, ...respellings(t.accessToken)]) expect((await req('GET', '/auth/me', { bearer: token })).status).toBe(401);
  });

  it('basic: a logged-out access token is refused in every spelling', async () => {
    await srv.core.accounts.create({ username: 'b@example.com', email: 'b@example.com', password: 'Basic-pass1!' });
    const t = (await req('POST', '/auth/login', { json: { email: 'b@example.com', password: 'Basic-pass1!' } })).body.tokens;
    expect((await req('POST', '/auth', { bearer: t.access.token })).status).toBe(200);
    for (const alt of respellings(t.access.token)) expect((await req('POST', '/auth', { bearer: alt })).status).toBe(403);
    expect((await req('POST', '/auth/logout', { json: { refreshToken: t.refresh.token } })).status).toBe(200);
    for (const token of [t.access.token, ...respellings(t.access.token)]) expect((await req('POST', '/auth', { bearer: token })).status).toBe(403);
  });

  it('simple (HS256): a signed-out session cookie is refused by vouch in every spelling', async () => {
    await srv.core.accounts.create({ username: 'cookie', email: 'cookie@example.com', password: 'cookie-pass' });
    const login = await req('POST', '/api/v1/auth/session', { json: { username: 'cookie', password: 'cookie-pass' }, headers: { cookie: `_csrf=${CSRF}`, 'x-csrf-token': CSRF } });
    expect(login.status).toBe(200);
    const token = sessionCookie(login.headers);
    for (const alt of respellings(token)) expect((await req('GET', '/api/v1/auth/vouch', { headers: { cookie: `auth=${alt}` } })).status).toBe(401);
    expect((await req('GET', '/api/v1/auth/vouch', { headers: { cookie: `auth=${token}` } })).status).toBe(200);
    const out = await req('DELETE', '/api/v1/auth/session', { headers: { cookie: `auth=${token}; _csrf=${CSRF}`, 'x-csrf-token': CSRF } });
    expect(out.status).toBe(200);
    for (const t of [token, ...respellings(token)]) expect((await req('GET', '/api/v1/auth/vouch', { headers: { cookie: `auth=${t}` } })).status).toBe(401);
  });

  it('tokens without a numeric exp are refused (ARC bearer, basic bearer, reset tokens)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const me = (await req('POST', '/auth/login-token', { json: fx.login() })).body;
    const claims = JSON.parse(Buffer.from(me.accessToken.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
    const { exp: _exp, ...noExp } = claims;
    expect((await req('GET', '/auth/me', { bearer: signHs256(noExp, 'supersecret') })).status).toBe(401);
    expect((await req('GET', '/auth/me', { bearer: signHs256({ ...noExp, exp: String(now + 600) } as unknown as Record<string, unknown>, 'supersecret') })).status).toBe(401);
    // The same claims with a numeric exp pass: only the missing exp was refused.
    expect((await req('GET', '/auth/me', { bearer: signHs256({ ...noExp, exp: now + 600 }, 'supersecret') })).status).toBe(200);
    const user = await srv.core.accounts.byEmail('b@example.com');
    const basic = { sub: user?.uuid, iat: now, type: 'access', iss: 'sourcefuse' };
    expect((await req('POST', '/auth', { bearer: signHs256(basic, 'supersecret') })).status).toBe(403);
    expect((await req('POST', '/auth', { bearer: signHs256({ ...basic, exp: now + 600 }, 'supersecret') })).status).toBe(200);
  });
});

await describeDb('strict tokens: session cookies need exp, iss and aud', () => {
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  let uuid: string;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  beforeAll(async () => {
    srv = await startServer({ vouchEnabled: true, simpleCookieSigningMethod: 'RS256', simpleCookieSigningKey: pem, simpleCookieIssuer: 'my-issuer' });
    req = client(srv.url);
    uuid = (await srv.core.accounts.create({ username: 'rsuser', password: 'rs-pass' })).uuid;
  });
  afterAll(() => srv.close());

  const vouch = async (token: string) => (await req('GET', '/api/v1/auth/vouch', { headers: { cookie: `auth=${token}` } })).status;

  it('RS256: a signed-out cookie is refused in every spelling', async () => {
    const login = await req('POST', '/api/v1/auth/session', { json: { username: 'rsuser', password: 'rs-pass' }, headers: { cookie: `_csrf=${CSRF}`, 'x-csrf-token': CSRF } });
    const token = sessionCookie(login.headers);
    expect(await vouch(token)).toBe(200);
    for (const alt of respellings(token)) expect(await vouch(alt)).toBe(401);
    await req('DELETE', '/api/v1/auth/session', { headers: { cookie: `auth=${token}; _csrf=${CSRF}`, 'x-csrf-token': CSRF } });
    for (const t of [token, ...respellings(token)]) expect(await vouch(t)).toBe(401);
  });

  it('refuses cookies signed with the key but without exp, or with another iss or aud', async () => {
    const key = signingKey('RS256', pem);
    const exp = Math.floor(Date.now() / 1000) + 600;
    expect(await vouch(signJwt({ aud: 'simple-auth', exp, iss: 'my-issuer', sub: uuid, src: 'login' }, key))).toBe(200);
    expect(await vouch(signJwt({ aud: 'simple-auth', iss: 'my-issuer', sub: uuid, src: 'login' }, key))).toBe(401);
    expect(await vouch(signJwt({ aud: 'simple-auth', exp, iss: 'someone-else', sub: uuid, src: 'login' }, key))).toBe(401);
    expect(await vouch(signJwt({ aud: 'other-app', exp, iss: 'my-issuer', sub: uuid, src: 'login' }, key))).toBe(401);
    expect(await vouch(signJwt({ exp, iss: 'my-issuer', sub: uuid, src: 'login' }, key))).toBe(401);
  });
});

describe('strict tokens: the verifier', () => {
  it('refuses non-canonical base64url in any segment', async () => {
    const { verifyHs256, JwtError } = await import('../../src/core/tokens/jwt.js');
    const token = signHs256({ sub: 'x', exp: Math.floor(Date.now() / 1000) + 60 }, 'k');
    const [h, p, s] = token.split('.') as [string, string, string];
    expect(verifyHs256(token, 'k').payload.sub).toBe('x');
    for (const bad of [`${h}=.${p}.${s}`, `${h}.${p}=.${s}`, ...respellings(token), `${h}.${p}.${s.replace(/-/g, '+').replace(/_/g, '/')}`]) {
      if (bad === token) continue;
      expect(() => verifyHs256(bad, 'k')).toThrow(JwtError);
    }
  });
});

function sessionCookie(headers: Headers): string {
  const c = headers.getSetCookie().find((x) => x.startsWith('auth='));
  if (!c) throw new Error('no session cookie set');
  return c.split(';')[0]?.slice('auth='.length) ?? '';
}
