import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider from 'oidc-provider';
import { cookieJar, listen, parseForm, track } from './http.js';
import { adapterFactory } from './oidc-adapter.js';
import { oidcProxy, type AppleClientKey, type LogoutCall, type StoredClient, type TokenTamper } from './oidc-proxy.js';

export type { AppleClientKey, LogoutCall, TokenTamper } from './oidc-proxy.js';

/**
 * A real OpenID provider (oidc-provider, with its development login and consent pages) on
 * 127.0.0.1, standing in for Google, Apple, Keycloak or any OpenID provider. Its issuer is the
 * proxy of oidc-proxy.ts, which can tamper with token responses; the provider itself listens on
 * a second, internal port.
 */

export interface OidcUser {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  given_name?: string;
  family_name?: string;
  preferred_username?: string;
}

export interface OidcClient {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  /** As registered; the proxy accepts client_secret_basic and client_secret_post alike. Default client_secret_basic. */
  token_endpoint_auth_method?: string;
  /** Default authorization_code and refresh_token (a refresh token is then always issued, as Keycloak does). */
  grant_types?: string[];
  /** Sign in with Apple: the client authenticates with an ES256 client-secret JWT signed by this key. */
  apple?: AppleClientKey;
}

export interface OidcUpstream {
  /** http://127.0.0.1:<port>[realmPath]; discovery at issuer + /.well-known/openid-configuration. */
  issuer: string;
  /** Registers (or replaces) a client. */
  addClient(c: OidcClient): void;
  addUser(u: OidcUser): void;
  /** Drives the provider's login + consent over HTTP for `authorizeUrl` as user `sub`; resolves to the URL the provider redirects back to (with code & state; for response_mode=form_post, the posted fields as a query). */
  login(authorizeUrl: string, sub: string): Promise<string>;
  /** Changes what the token endpoint answers from now on. */
  tamper(mode: TokenTamper): void;
  /** Calls seen at Keycloak's logout and the revocation endpoint. */
  logouts: LogoutCall[];
  /** Parameters seen at the authorization and token endpoints, in order. */
  seen: { authorize: URLSearchParams[]; token: URLSearchParams[] };
  /** The public signing keys (as served at jwks_uri). */
  jwks: { keys: JWK[] };
  close(): Promise<void>;
}

/** Keycloak's endpoint paths, used when the issuer has a realm path. */
const KEYCLOAK_ROUTES = {
  authorization: '/protocol/openid-connect/auth',
  token: '/protocol/openid-connect/token',
  userinfo: '/protocol/openid-connect/userinfo',
  jwks: '/protocol/openid-connect/certs',
  end_session: '/protocol/openid-connect/logout',
  revocation: '/protocol/openid-connect/revoke',
  introspection: '/protocol/openid-connect/token/introspect',
};
const DEFAULT_ROUTES = { authorization: '/auth', token: '/token', revocation: '/token/revocation', end_session: '/session/end' };

export async function startOidcUpstream(opts: { realmPath?: string } = {}): Promise<OidcUpstream> {
  const realm = opts.realmPath ? `/${opts.realmPath.replace(/^\/+|\/+$/g, '')}` : '';
  const routes = realm ? KEYCLOAK_ROUTES : DEFAULT_ROUTES;
  const clients = new Map<string, StoredClient>();
  const metadata = new Map<string, Record<string, unknown>>();
  const users = new Map<string, OidcUser>();
  const logouts: LogoutCall[] = [];
  const seen = { authorize: [] as URLSearchParams[], token: [] as URLSearchParams[] };
  let mode: TokenTamper = 'none';

  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomBytes(8).toString('hex');
  const signingKey: JWK = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] };

  let internalPort = 0;
  const proxy = oidcProxy({
    port: () => internalPort,
    paths: {
      authorization: realm + routes.authorization,
      token: realm + routes.token,
      revocation: realm + routes.revocation,
      logout: `${realm}/protocol/openid-connect/logout`,
    },
    clients,
    tamper: () => mode,
    signingKey,
    logouts,
    seen,
  });
  const front = await listen(proxy.handler);
  const issuer = `http://127.0.0.1:${front.port}${realm}`;

  const provider = new Provider(issuer, {
    adapter: adapterFactory(metadata),
    jwks: { keys: [signingKey] },
    findAccount: (_ctx: unknown, sub: string) => {
      const user = users.get(sub);
      return user && { accountId: sub, claims: () => ({ ...user }) };
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    },
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    // The engine should see the email in the id_token without calling userinfo.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    // Allowed, not forced: the original ARC flow sends none, our engine does.
    pkce: { required: () => false },
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }) => client.grantTypeAllowed('refresh_token'),
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      userinfo: { enabled: true },
    },
    routes,
    cookies: { keys: [randomBytes(16).toString('hex')] },
    clientBasedCORS: () => true,
    ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, RefreshToken: 86_400, Interaction: 3600, Session: 86_400, Grant: 86_400 },
  });
  provider.on('server_error', (_ctx, err) => console.error('oidc upstream server_error', err));
  const callback = provider.callback();
  const back = await listen((req, res) => {
    if (realm) {
      const url = req.url ?? '/';
      if (url !== realm && !url.startsWith(`${realm}/`) && !url.startsWith(`${realm}?`)) {
        res.writeHead(404).end();
        return;
      }
      // What Express does when mounting: oidc-provider derives its mount path from originalUrl.
      (req as { originalUrl?: string }).originalUrl = url;
      req.url = url.slice(realm.length) || '/';
    }
    callback(req, res);
  });
  internalPort = back.port;

  const close = track(async () => {
    proxy.release();
    await Promise.all([front.close(), back.close()]);
  });

  return {
    issuer,
    logouts,
    seen,
    jwks,
    addClient(c) {
      const method = c.token_endpoint_auth_method ?? (c.apple ? 'client_secret_post' : 'client_secret_basic');
      const secret = c.apple ? randomBytes(24).toString('base64url') : c.client_secret;
      const stored: StoredClient = {
        metadata: {
          client_id: c.client_id,
          ...(secret !== undefined && method !== 'none' ? { client_secret: secret } : {}),
          redirect_uris: c.redirect_uris,
          token_endpoint_auth_method: method,
          grant_types: c.grant_types ?? ['authorization_code', 'refresh_token'],
          response_types: ['code'],
        },
        apple: c.apple,
      };
      clients.set(c.client_id, stored);
      metadata.set(c.client_id, stored.metadata);
    },
    addUser(u) {
      users.set(u.sub, { ...u });
    },
    login: (authorizeUrl, sub) => {
      if (!users.has(sub)) return Promise.reject(new Error(`oidc upstream: no user ${sub} (addUser first)`));
      return driveLogin(new URL(issuer).origin, authorizeUrl, sub);
    },
    tamper(m) {
      mode = m;
    },
    close,
  };
}

/** A browser with a cookie jar walking the development login and consent pages. */
async function driveLogin(origin: string, authorizeUrl: string, sub: string): Promise<string> {
  const jar = cookieJar();
  let url = new URL(authorizeUrl);
  let post: URLSearchParams | undefined;
  for (let step = 0; step < 20; step++) {
    const headers: Record<string, string> = { cookie: jar.header(url) };
    if (post) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, { method: post ? 'POST' : 'GET', body: post?.toString(), headers, redirect: 'manual' });
    jar.store(res);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      const next = new URL(location, url);
      if (next.origin !== origin) return next.href;
      url = next;
      post = undefined;
      continue;
    }
    const html = await res.text();
    const form = res.status === 200 ? parseForm(html) : undefined;
    if (!form) throw new Error(`oidc upstream login: ${res.status} at ${url.pathname}: ${html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 300)}`);
    const action = new URL(form.action, url);
    if (action.origin !== origin) {
      // response_mode=form_post: the page would post these fields back to the client.
      for (const [k, v] of form.fields) action.searchParams.set(k, v);
      return action.href;
    }
    if (form.fields.get('prompt') === 'login') {
      form.fields.set('login', sub);
      form.fields.set('password', 'any');
    }
    url = action;
    post = form.fields;
  }
  throw new Error('oidc upstream login: too many steps');
}
