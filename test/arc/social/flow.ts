import { expect } from 'vitest';
import { sql } from 'kysely';
import { client, type Res, type TestServer } from '../../support/server.js';

/**
 * What the ARC social-login suites share: the server's public URL (the redirect_uri the
 * upstreams know; the tests carry the browser's redirects over to the real address), the start
 * → provider → callback → /auth/token walk, and the row counts that prove a refusal wrote nothing.
 */
export const PUBLIC_URL = 'http://gatehouse.test';

export interface Walk {
  /** The 302 of the start (to the provider). */
  start: Res;
  /** Where the provider sent the browser back (our callback, on PUBLIC_URL). */
  back: string;
  /** Our callback's answer. */
  callback: Res;
}

export function socialClient(srv: TestServer) {
  const req = client(srv.url);
  /** Our callback, as the browser would reach it (Apple's form_post as a posted form). */
  const follow = (back: string, method: 'GET' | 'POST' = 'GET'): Promise<Res> => {
    const u = new URL(back);
    expect(u.origin).toBe(PUBLIC_URL);
    if (method === 'GET') return req('GET', u.pathname + u.search);
    return req('POST', u.pathname, { form: Object.fromEntries(u.searchParams) });
  };
  return {
    req,
    follow,
    /** Starts a sign-in at `path` and checks the 302's shape (text body naming the target). */
    async start(path: string, form: Record<string, string> = { client_id: 'web', client_secret: 'test' }): Promise<Res> {
      const r = await req('POST', path, { form });
      expect(r.status, r.text).toBe(302);
      const location = r.headers.get('location') ?? '';
      expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(r.text).toBe(`Found. Redirecting to ${location}`);
      return r;
    },
    /** Start, sign in upstream as `who`, come back to the callback. */
    async walk(path: string, login: (authorizeUrl: string) => Promise<string>, method: 'GET' | 'POST' = 'GET'): Promise<Walk> {
      const start = await this.start(path);
      const back = await login(start.headers.get('location') ?? '');
      return { start, back, callback: await follow(back, method) };
    },
    /** The code of a callback's `302 <redirectUrl>?code=`. */
    codeOf(r: Res, redirectUrl = 'http://localhost:4200/login/success'): string {
      expect(r.status, r.text).toBe(302);
      const location = r.headers.get('location') ?? '';
      expect(location.startsWith(`${redirectUrl}?code=`), location).toBe(true);
      return new URL(location).searchParams.get('code') ?? '';
    },
    /** `/auth/token` then `/auth/me`: the claims of the signed-in user. */
    async signIn(code: string): Promise<{ accessToken: string; refreshToken: string; me: Record<string, unknown> }> {
      const t = await req('POST', '/auth/token', { json: { code, clientId: 'web' } });
      expect(t.status, t.text).toBe(200);
      const me = await req('GET', '/auth/me', { bearer: t.body.accessToken });
      expect(me.status, me.text).toBe(200);
      return { accessToken: t.body.accessToken, refreshToken: t.body.refreshToken, me: me.body };
    },
  };
}

/** The state a refused sign-in must leave as it found: accounts, identities, codes, sessions. */
export async function rowCounts(srv: TestServer): Promise<Record<string, number>> {
  const n = async (table: 'users' | 'identities' | 'sessions', where = sql`1 = 1`) =>
    Number((await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)} where ${where}`.execute(srv.store.db)).rows[0]?.n ?? 0);
  const codes = Number((await sql<{ n: number | string }>`select count(*) as n from codes where purpose = 'auth_code'`.execute(srv.store.db)).rows[0]?.n ?? 0);
  return { users: await n('users'), identities: await n('identities'), sessions: await n('sessions'), authCodes: codes };
}

/** ARC's 401 envelope; `message` nested as the original's passport failures, or plain. */
export function expect401(r: Res, message: string, nested = true): void {
  expect(r.status, r.text).toBe(401);
  expect(r.body).toEqual({ error: { statusCode: 401, name: 'UnauthorizedError', message: nested ? { message } : message } });
}
