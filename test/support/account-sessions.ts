import { expect } from 'vitest';
import type { Config } from '../../src/config/index.js';
import type { UserRow } from '../../src/store/users.js';
import type { client, Res } from './server.js';

/**
 * One account signed in through every dialect at once (ARC, basic, simple's cookie, simple's
 * OAuth2 provider), and probes that say which of those sessions a server still accepts. Issue 9
 * §3 and §4: whatever ends an account's access must end all of them.
 */

export const CSRF = 'abcdefghijklmnopqrstuvwxyz012345';
export const SHARED_KEY = 'super-secret';
const OAUTH2_ID = 'sessions-app';
const OAUTH2_SECRET = 'sessions-app-secret';
const REDIRECT = 'http://app.example.com/cb';

/** Every dialect on, with an OAuth2 client that issues refresh tokens and takes passwords. */
export const EVERY_DIALECT: Partial<Config> = {
  vouchEnabled: true,
  simpleCookieSigningKey: 'this-is-a-test',
  apiExternal: true,
  apiSharedSecret: SHARED_KEY,
  oauth2AllowCredentials: true,
  oauth2Clients: {
    [OAUTH2_ID]: { secret: OAUTH2_SECRET, name: 'Sessions app', redirecturi: REDIRECT, issuerefreshtoken: true, scopes: ['a'] },
  },
};

export interface Account {
  user: UserRow;
  username: string;
  email: string;
  password: string;
}

/** The live credentials of one account in every dialect. */
export interface Sessions {
  arc: { accessToken: string; refreshToken: string };
  basic: { access: string; refresh: string };
  /** The simple session cookie's value. */
  cookie: string;
  oauth2: { access: string; refresh: string };
}

/** A probe's name, the status it got, and whether that is the live or the dead answer. */
export interface Probe {
  name: string;
  got: string;
  live: boolean;
  dead: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The `auth` cookie's value a response sets (undefined when none, or when it clears it). */
export const authCookie = (r: Res) => r.headers.getSetCookie().find((c) => c.startsWith('auth='))?.split(';')[0]?.slice('auth='.length) || undefined;

/**
 * Calls `read` every ~50 ms until it returns an empty list or `ms` have passed; returns the last
 * list (what still did not happen) and how long it took.
 */
export async function within<T>(ms: number, read: () => Promise<T[]>): Promise<{ left: T[]; tookMs: number }> {
  const start = Date.now();
  for (;;) {
    const left = await read();
    const tookMs = Date.now() - start;
    if (left.length === 0 || tookMs >= ms) return { left, tookMs };
    await sleep(50);
  }
}

export function accountSessions(req: ReturnType<typeof client>) {
  const arcBody = (a: Account) => ({ client_id: 'web', client_secret: 'test', username: a.username, password: a.password });
  const oauthToken = (body: Record<string, string>) => req('POST', '/api/v1/auth/oauth2/token', { json: { client_id: OAUTH2_ID, client_secret: OAUTH2_SECRET, ...body } });
  const simpleHeaders = (cookie: string) => ({ cookie: `auth=${cookie}; _csrf=${CSRF}`, 'x-csrf-token': CSRF });

  const kit = {
    arcLogin: (a: Account) => req('POST', '/auth/login-token', { json: arcBody(a) }),
    /** ARC web flow step 1: the code, or the refusal. */
    arcCode: (a: Account) => req('POST', '/auth/login', { json: arcBody(a) }),
    arcExchange: (code: string) => req('POST', '/auth/token', { json: { clientId: 'web', code } }),
    arcMe: (token: string) => req('GET', '/auth/me', { bearer: token }),
    arcRefresh: (s: Sessions['arc']) => req('POST', '/auth/token-refresh', { bearer: s.accessToken, json: { refreshToken: s.refreshToken } }),
    basicLogin: (a: Account) => req('POST', '/auth/login', { json: { email: a.email, password: a.password } }),
    basicWelcome: (token: string) => req('POST', '/auth', { bearer: token }),
    basicRefresh: (refresh: string) => req('POST', '/auth/refresh-tokens', { json: { refreshToken: refresh } }),
    /** simple's sign-in from a browser: the double-submit CSRF pair, no SharedKey. */
    simpleLogin: (a: Account) => req('POST', '/api/v1/auth/session', { json: { username: a.username, password: a.password }, headers: { cookie: `_csrf=${CSRF}`, 'x-csrf-token': CSRF } }),
    vouch: (cookie: string) => req('GET', '/api/v1/auth/vouch', { headers: { cookie: `auth=${cookie}` } }),
    simpleAccount: (cookie: string) => req('GET', '/api/v1/account', { headers: { cookie: `auth=${cookie}` } }),
    simpleChangePassword: (cookie: string, oldpassword: string, newpassword: string) =>
      req('POST', '/api/v1/local/password', { json: { oldpassword, newpassword }, headers: simpleHeaders(cookie) }),
    oauth2Login: (a: Account) => oauthToken({ grant_type: 'password', username: a.username, password: a.password }),
    oauth2Refresh: (refresh: string) => oauthToken({ grant_type: 'refresh_token', refresh_token: refresh }),
    oauth2Info: (token: string) => req('POST', '/api/v1/auth/oauth2/token_info', { json: { token } }),
    /** An OAuth2 authorization code for the account, asked for by a trusted backend (SharedKey). */
    oauth2Grant: (uuid: string) =>
      req('POST', '/api/v1/auth/oauth2/grant', { json: { client_id: OAUTH2_ID, response_type: 'code', redirect_uri: REDIRECT }, headers: { authorization: `SharedKey ${SHARED_KEY}`, 'x-account-uuid': uuid } }),
    oauth2Exchange: (code: string) => oauthToken({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }),

    /** Signs the account in through every dialect; fails the test if any sign-in is refused. */
    async open(a: Account): Promise<Sessions> {
      const [arc, basic, simple, oauth2] = await Promise.all([kit.arcLogin(a), kit.basicLogin(a), kit.simpleLogin(a), kit.oauth2Login(a)]);
      expect(arc.status, 'ARC login-token').toBe(200);
      expect(basic.status, 'basic login').toBe(200);
      expect(simple.status, 'simple session login').toBe(200);
      expect(oauth2.status, 'OAuth2 password grant').toBe(200);
      const cookie = authCookie(simple);
      expect(cookie, 'simple session cookie').toBeTruthy();
      expect(oauth2.body.refresh_token, 'OAuth2 refresh token').toBeTruthy();
      return {
        arc: { accessToken: arc.body.accessToken, refreshToken: arc.body.refreshToken },
        basic: { access: basic.body.tokens.access.token, refresh: basic.body.tokens.refresh.token },
        cookie: cookie as string,
        oauth2: { access: oauth2.body.access_token, refresh: oauth2.body.refresh_token },
      };
    },

    /**
     * Every check that uses a session without changing it (no rotation): ARC /auth/me, basic
     * POST /auth, vouch, a cookie-authenticated route, token_info of the access and refresh token.
     */
    async probe(s: Sessions): Promise<Probe[]> {
      const status = (name: string, r: Res, live: number, dead: number): Probe => ({ name, got: String(r.status), live: r.status === live, dead: r.status === dead });
      const info = (name: string, r: Res): Probe => ({ name, got: `${r.status} ${r.text}`, live: r.status === 200 && r.body?.active === true, dead: r.status === 200 && r.body?.active === false && Object.keys(r.body).length === 1 });
      const [me, welcome, vouch, account, access, refresh] = await Promise.all([
        kit.arcMe(s.arc.accessToken),
        kit.basicWelcome(s.basic.access),
        kit.vouch(s.cookie),
        kit.simpleAccount(s.cookie),
        kit.oauth2Info(s.oauth2.access),
        kit.oauth2Info(s.oauth2.refresh),
      ]);
      return [
        status('ARC GET /auth/me (access token)', me, 200, 401),
        status('basic POST /auth (access token)', welcome, 200, 403),
        status('simple GET /api/v1/auth/vouch (cookie)', vouch, 200, 401),
        status('simple GET /api/v1/account (cookie)', account, 200, 401),
        info('OAuth2 token_info (access token)', access),
        info('OAuth2 token_info (refresh token)', refresh),
      ];
    },
    /** The probes that do not (yet) give the dead answer, as "name → got". */
    async stillAccepted(s: Sessions): Promise<string[]> {
      return (await kit.probe(s)).filter((p) => !p.dead).map((p) => `${p.name} → ${p.got}`);
    },
    /** The probes that do not give the live answer. */
    async notAccepted(s: Sessions): Promise<string[]> {
      return (await kit.probe(s)).filter((p) => !p.live).map((p) => `${p.name} → ${p.got}`);
    },

    /**
     * Tries every refresh of the sessions once (this rotates whatever is still live, so call it
     * last): returns those that were not refused as they must be (ARC 401, basic 401, OAuth2 400).
     */
    async refreshesNotRefused(s: Sessions): Promise<string[]> {
      const [arc, basic, oauth2] = await Promise.all([kit.arcRefresh(s.arc), kit.basicRefresh(s.basic.refresh), kit.oauth2Refresh(s.oauth2.refresh)]);
      const out: string[] = [];
      if (arc.status !== 401) out.push(`ARC POST /auth/token-refresh → ${arc.status}`);
      if (basic.status !== 401) out.push(`basic POST /auth/refresh-tokens → ${basic.status}`);
      if (oauth2.status !== 400 || typeof oauth2.body?.error !== 'string' || oauth2.body?.access_token !== undefined) out.push(`OAuth2 refresh_token grant → ${oauth2.status} ${oauth2.text}`);
      return out;
    },
  };
  return kit;
}
export type AccountSessions = ReturnType<typeof accountSessions>;
