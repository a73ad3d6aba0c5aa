// Everything the bench assumes about the `simple` dialect (simple-auth's API at /api/v1) lives in
// this file: its environment variables, its config-file keys, and how a session cookie and an
// OAuth2 access token are obtained. The names follow the original simple-auth and are
// provisional until the dialect lands; adjust them here only.
//
// When the dialect is not there (the server answers 404 on its routes), the vouch and
// token_info scenarios are reported as "not available", not as failures.
export const SHARED_SECRET = 'bench-shared-secret';
export const COOKIE_SIGNING_KEY = 'bench-cookie-signing-key-0123456789';
export const OAUTH_CLIENT = { id: 'benchoauth', secret: 'bench-oauth-secret' };
export const COOKIE_NAME = 'auth';

export const PATHS = {
  session: '/api/v1/auth/session',
  vouch: '/api/v1/auth/vouch',
  token: '/api/v1/auth/oauth2/token',
  tokenInfo: '/api/v1/auth/oauth2/token_info',
};

/** Environment variables that enable what the scenarios use. */
export function env() {
  return {
    SA_AUTHENTICATORS_VOUCH_ENABLED: 'true',
    SA_WEB_LOGIN_COOKIE_JWT_SIGNINGKEY: COOKIE_SIGNING_KEY,
    SA_API_EXTERNAL: 'true',
    SA_API_SHAREDSECRET: SHARED_SECRET,
  };
}

/** Keys of the JSON config file (GATEHOUSE_CONFIG). */
export function configFile() {
  return {
    oauth2Clients: {
      [OAUTH_CLIENT.id]: {
        secret: OAUTH_CLIENT.secret,
        name: 'Bench',
        redirecturi: 'http://localhost/cb',
        scopes: ['a'],
        allowcredentials: true,
        issuerefreshtoken: true,
      },
    },
  };
}

export class NotAvailable extends Error {}

async function call(url, path, init) {
  const r = await fetch(url + path, { ...init, signal: AbortSignal.timeout(30_000) });
  const text = await r.text();
  if (r.status === 404) throw new NotAvailable(`${init.method ?? 'GET'} ${path} answered 404`);
  return { status: r.status, text, headers: r.headers };
}

/** The session cookie (`name=value`) of a password sign-in through the shared-secret API. */
export async function sessionCookie(url, username, password) {
  const r = await call(url, PATHS.session, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `SharedKey ${SHARED_SECRET}` },
    body: JSON.stringify({ username, password }),
  });
  const cookies = typeof r.headers.getSetCookie === 'function' ? r.headers.getSetCookie() : [r.headers.get('set-cookie') ?? ''];
  const c = cookies.map((s) => s.split(';')[0]).find((s) => s.startsWith(`${COOKIE_NAME}=`));
  if (r.status !== 200 || !c) throw new Error(`${PATHS.session} answered ${r.status} without a ${COOKIE_NAME} cookie: ${r.text.slice(0, 200)}`);
  return c;
}

/** An OAuth2 access token from the password grant. */
export async function accessToken(url, username, password) {
  const r = await call(url, PATHS.token, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: OAUTH_CLIENT.id, client_secret: OAUTH_CLIENT.secret, username, password }).toString(),
  });
  let token;
  try {
    token = JSON.parse(r.text).access_token;
  } catch {
    token = undefined;
  }
  if (r.status !== 200 || !token) throw new Error(`${PATHS.token} answered ${r.status}: ${r.text.slice(0, 200)}`);
  return token;
}

/** forward-auth: what nginx's auth_request / traefik's forwardAuth send. */
export const vouchRequest = (cookie) => ({ method: 'GET', path: PATHS.vouch, headers: { cookie } });

/** Introspection of an access token. */
export const tokenInfoRequest = (token) => ({
  method: 'POST',
  path: PATHS.tokenInfo,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ token }),
});

/** A token_info answer that really describes a live token. */
export const tokenInfoActive = (body) => {
  try {
    return JSON.parse(body).active === true;
  } catch {
    return false;
  }
};
