import { expect } from 'vitest';
import type { Config } from '../../../src/config/index.js';
import { client, type Res, type TestServer } from '../../support/server.js';
import { startFeathers } from '../../support/fixtures/feathers.js';
import { startOidcUpstream, type OidcUpstream } from '../../support/upstreams/oidc.js';
import { startOAuth2Upstream, type OAuth2Upstream } from '../../support/upstreams/oauth2.js';

/**
 * A Feathers server whose `google` is a real OpenID provider and whose `github` a GitHub-like
 * OAuth2 server, both on loopback. The server's public URL is a name nothing resolves: the
 * providers only hand it back in their redirects, which the tests follow themselves (as the
 * browser would) against the server's real address.
 */
export const PUBLIC_URL = 'http://gatehouse.test';
export const APP = 'https://app.example';
export const APP_PREFIX = 'http://127.0.0.1:5173/app/';
export const callbackOf = (provider: string) => `${PUBLIC_URL}/oauth/${provider}/callback`;

export interface OAuthWorld {
  srv: TestServer;
  google: OidcUpstream;
  github: OAuth2Upstream;
  req: ReturnType<typeof client>;
  close(): Promise<void>;
}

export async function oauthWorld(opts: { github?: 'config' | 'none'; config?: Partial<Config> } = {}): Promise<OAuthWorld> {
  const google = await startOidcUpstream();
  google.addClient({ client_id: 'gh-google', client_secret: 'google-secret', redirect_uris: [callbackOf('google')] });
  const github = await startOAuth2Upstream('github');
  github.addClient({ client_id: 'gh-github', client_secret: 'github-secret', redirect_uris: [callbackOf('github')] });
  const srv = await startFeathers({
    publicUrl: PUBLIC_URL,
    feathersOAuthAppUrls: [APP, APP_PREFIX],
    googleAuthClientId: 'gh-google',
    googleAuthClientSecret: 'google-secret',
    googleAuthIssuer: google.issuer,
    ...(opts.github === 'none' ? {} : { githubAuthClientId: 'gh-github', githubAuthClientSecret: 'github-secret' }),
    githubAuthUrl: github.authorizationUrl,
    githubAuthTokenUrl: github.tokenUrl,
    githubAuthProfileUrl: github.profileUrl,
    ...(github.emailsUrl ? { githubAuthEmailsUrl: github.emailsUrl } : {}),
    federationTimeoutMs: 1500,
    ...opts.config,
  });
  return {
    srv,
    google,
    github,
    req: client(srv.url),
    async close() {
      await srv.close();
      await Promise.all([google.close(), github.close()]);
    },
  };
}

/** The `name=value` of the state cookie a response sets, if it sets one with a value. */
export function stateCookie(res: Res): string | undefined {
  const all = res.headers.getSetCookie();
  const c = all.find((h) => h.startsWith('feathers_oauth=') && !h.startsWith('feathers_oauth=;'));
  return c?.split(';')[0];
}

/** `GET /oauth/:provider?<query>`: the provider's authorization URL and the state cookie. */
export async function begin(w: OAuthWorld, provider: string, query: Record<string, string> = { app_url: `${APP}/signed-in` }): Promise<{ authorize: string; cookie: string }> {
  const res = await w.req('GET', `/oauth/${provider}?${new URLSearchParams(query)}`);
  expect(res.status, res.text).toBe(302);
  const cookie = stateCookie(res);
  expect(cookie).toBeDefined();
  return { authorize: res.headers.get('location') ?? '', cookie: cookie ?? '' };
}

/** Follows the provider's redirect back (a URL on PUBLIC_URL) against the real server, with `cookie` if any. */
export function back(w: OAuthWorld, returned: string, cookie?: string): Promise<Res> {
  const u = new URL(returned);
  expect(u.origin).toBe(PUBLIC_URL);
  return w.req('GET', u.pathname + u.search, { headers: cookie ? { cookie } : {} });
}

/** What the app receives in its fragment (`#access_token=…` or `#error=…`), read as the Feathers client reads it. */
export function fragmentOf(res: Res): { url: URL; accessToken?: string; error?: string } {
  expect(res.status, res.text).toBe(302);
  const url = new URL(res.headers.get('location') ?? '');
  const token = /(?:&?)access_token=([^&]*)/.exec(url.hash)?.[1];
  const error = /(?:&?)error=([^&]*)/.exec(url.hash)?.[1];
  return { url, accessToken: token, error: error === undefined ? undefined : decodeURIComponent(error) };
}

/** Rows that a refused sign-in must not have added. */
export async function counts(srv: TestServer): Promise<Record<string, number>> {
  const db = srv.store.db;
  const n = async (t: 'users' | 'identities' | 'sessions' | 'refresh_tokens') => Number((await db.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return { users: await n('users'), identities: await n('identities'), sessions: await n('sessions'), refresh_tokens: await n('refresh_tokens') };
}
