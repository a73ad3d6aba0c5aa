import { expect } from 'vitest';
import type { Config } from '../../../src/config/index.js';
import { startServer, type TestServer } from '../../support/server.js';
import { startOidcUpstream, type OidcUpstream, type OidcUser } from '../../support/upstreams/oidc.js';
import { cookieJar } from '../../support/upstreams/http.js';

/**
 * simple's external providers against a real OpenID provider (oidc-provider on loopback): a
 * server with one `providers.oidc` entry, and small browsers with cookie jars that walk
 * `/oidc/{id}` → the provider's login and consent → `/oidc/{id}/callback`.
 */

export const PROVIDER = { id: 'testidp', name: 'Test IdP', icon: 'openid', clientid: 'gatehouse-simple', clientsecret: 'simple-client-secret' };
export const CSRF = 'abcdefghijklmnopqrstuvwxyz012345';

export interface Setup {
  srv: TestServer;
  up: OidcUpstream;
  close(): Promise<void>;
}

export async function startWithUpstream(overrides: Partial<Config> = {}): Promise<Setup> {
  const up = await startOidcUpstream();
  const srv = await startServer({ oidcProviders: [{ ...PROVIDER, issuer: up.issuer }], ...overrides });
  // The callback URL names the server's port, known only once it listens; the routes read the
  // setting per request.
  srv.config.simpleBaseUrl = srv.url;
  up.addClient({ client_id: PROVIDER.clientid, client_secret: PROVIDER.clientsecret, redirect_uris: [`${srv.url}/oidc/${PROVIDER.id}/callback`] });
  return {
    srv,
    up,
    async close() {
      await srv.close();
      await up.close();
    },
  };
}

export const person = (sub: string, more: Partial<OidcUser> = {}): OidcUser => ({ sub, email: `${sub}@idp.example.com`, email_verified: true, name: `Person ${sub}`, ...more });

export interface Answer {
  status: number;
  location: string;
  setCookies: string[];
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON shapes
}

/** A browser: a cookie jar, manual redirects. */
export function browser(base: string) {
  const jar = cookieJar();
  async function go(target: string, init: { method?: string; headers?: Record<string, string>; json?: unknown } = {}): Promise<Answer> {
    const url = new URL(target, base);
    const headers: Record<string, string> = { ...init.headers };
    const cookie = jar.header(url);
    if (cookie) headers.cookie = headers.cookie ? `${cookie}; ${headers.cookie}` : cookie;
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(url, { method: init.method ?? 'GET', headers, body: init.json === undefined ? undefined : JSON.stringify(init.json), redirect: 'manual' });
    if (url.origin === new URL(base).origin) jar.store(res);
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    return { status: res.status, location: res.headers.get('location') ?? '', setCookies: res.headers.getSetCookie(), body };
  }
  return {
    go,
    /** The jar's cookies for `path` as a Cookie header. */
    cookies: (path = '/') => jar.header(new URL(path, base)),
    cookie(name: string): string | undefined {
      const pair = jar.header(new URL('/', base)).split('; ').find((c) => c.startsWith(`${name}=`));
      return pair?.slice(name.length + 1);
    },
    /** The private API as the page calls it: the session cookie plus the CSRF pair. */
    api: (method: string, path: string, json?: unknown) => go(`/api/v1/${path}`, { method, json, headers: { cookie: `_csrf=${CSRF}`, 'x-csrf-token': CSRF } }),
  };
}
export type Browser = ReturnType<typeof browser>;

/** `GET /oidc/{id}`: 307 to the provider. */
export async function start(b: Browser, cont?: string, id = PROVIDER.id): Promise<Answer> {
  const r = await b.go(`/oidc/${id}${cont === undefined ? '' : `?continue=${encodeURIComponent(cont)}`}`);
  expect(r.status, JSON.stringify(r.body)).toBe(307);
  return r;
}

/** The provider's login and consent as `sub`: the callback URL it sends the browser back to. */
export const atProvider = (s: Setup, authorizeUrl: string, sub: string) => s.up.login(authorizeUrl, sub);

/** A whole sign-in: start, provider, callback; the callback's answer. */
export async function signIn(s: Setup, b: Browser, sub: string, cont?: string): Promise<Answer> {
  const started = await start(b, cont);
  return b.go(await atProvider(s, started.location, sub));
}

/** The named cookie of a response, with its attributes. */
export function setCookie(a: Answer, name: string): string | undefined {
  return a.setCookies.find((c) => c.startsWith(`${name}=`));
}

/** Accounts and identities in the store (what a refused sign-in must not add to). */
export async function counts(srv: TestServer): Promise<{ users: number; identities: number }> {
  const db = srv.store.db;
  const users = await db.selectFrom('users').select((e) => e.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const identities = await db.selectFrom('identities').select((e) => e.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { users: Number(users.n), identities: Number(identities.n) };
}
