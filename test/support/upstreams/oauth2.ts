import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basicCredentials, holder, listen, parseForm, readBody, sendJson, sendText, track } from './http.js';
import { DIALECTS, type Dialect, type Grant, type OAuth2Kind, type OAuth2User } from './oauth2-dialects.js';

export type { OAuth2Kind, OAuth2User } from './oauth2-dialects.js';

/**
 * A small HTTP server speaking GitHub's, Facebook's or Instagram's OAuth2 and profile API on
 * 127.0.0.1. It checks what the real one checks: the client's id and secret, a registered
 * redirect_uri (the same at the token endpoint), a single-use code bound to its client, and
 * PKCE (S256) when the authorization request carried a code_challenge. Its authorization page
 * is a real form (a browser can click "Authorize"); `login` posts it over HTTP.
 */

export type OAuth2Tamper = 'none' | 'garbage' | 'error' | 'slow' | 'down';

export interface OAuth2Upstream {
  kind: OAuth2Kind;
  /** http://127.0.0.1:<port>; Facebook and Instagram also answer under a version prefix (/v19.0/…). */
  base: string;
  authorizationUrl: string;
  tokenUrl: string;
  profileUrl: string;
  /** GitHub only. */
  emailsUrl?: string;
  addClient(c: { client_id: string; client_secret: string; redirect_uris: string[] }): void;
  addUser(u: OAuth2User): void;
  /** Simulates the user `id` approving `authorizeUrl`; resolves to the redirect back (code & state, plus the provider's fragment). */
  login(authorizeUrl: string, id: string): Promise<string>;
  /**
   * What the token endpoint answers from now on: 'garbage' a 200 HTML page, 'error' the
   * provider's own refusal (GitHub's comes with status 200), 'slow' a 30 s delay (ended by
   * close()), 'down' a dropped connection.
   */
  tamper(mode: OAuth2Tamper): void;
  /** Parameters seen at the authorization and token endpoints, in order. */
  seen: { authorize: URLSearchParams[]; token: URLSearchParams[] };
  close(): Promise<void>;
}

interface Code extends Grant { clientId: string; redirectUri: string; challenge?: string; expiresAt: number }

const CODE_TTL_MS = 10 * 60_000;
const html = (title: string, body: string) => `<!DOCTYPE html><html><head><title>${title}</title></head><body>${body}</body></html>`;
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const scopes = (s: string | null | undefined) => (s ?? '').split(/[\s,]+/).filter(Boolean);

export async function startOAuth2Upstream(kind: OAuth2Kind): Promise<OAuth2Upstream> {
  const d: Dialect = DIALECTS[kind];
  const clients = new Map<string, { secret: string; redirectUris: string[] }>();
  const users = new Map<string, OAuth2User>();
  const codes = new Map<string, Code>();
  const tokens = new Map<string, { userId: string; scope: string[] }>();
  const seen = { authorize: [] as URLSearchParams[], token: [] as URLSearchParams[] };
  const slow = holder();
  let mode: OAuth2Tamper = 'none';

  /** The authorization request's client and redirect URI, or why it is refused (shown, never redirected). */
  function checkAuthorize(p: URLSearchParams): { redirectUri: string } | { error: string } {
    const client = clients.get(p.get('client_id') ?? '');
    if (!client) return { error: 'Unknown client_id.' };
    const redirectUri = p.get('redirect_uri') ?? (kind === 'github' ? client.redirectUris[0] : undefined);
    if (!redirectUri || !client.redirectUris.includes(redirectUri)) return { error: 'The redirect_uri is not registered for this application.' };
    const responseType = p.get('response_type');
    if (d.strictAuthorize ? responseType !== 'code' || !p.get('scope') : responseType !== null && responseType !== 'code') {
      return { error: 'Invalid response_type or missing scope.' };
    }
    if (p.has('code_challenge') && p.get('code_challenge_method') !== 'S256') return { error: 'Only code_challenge_method=S256 is supported.' };
    return { redirectUri };
  }

  function authorizePage(url: URL, res: ServerResponse): void {
    seen.authorize.push(new URLSearchParams(url.searchParams));
    const checked = checkAuthorize(url.searchParams);
    if ('error' in checked) return sendText(res, 400, html('Error', `<h1>Error</h1><p>${esc(checked.error)}</p>`), 'text/html; charset=utf-8');
    const hidden = [...url.searchParams].filter(([k]) => k !== 'login').map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`);
    const body = `<h1>Authorize application</h1><form method="post" action="${esc(url.pathname)}/approve">${hidden.join('')}
<label>Account <input type="text" name="login" value="${esc(url.searchParams.get('login') ?? '')}" autofocus></label>
<button type="submit" name="decision" value="allow">Authorize</button> <button type="submit" name="decision" value="deny">Cancel</button></form>`;
    sendText(res, 200, html(`Sign in to ${kind}`, body), 'text/html; charset=utf-8');
  }

  async function approve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const p = new URLSearchParams((await readBody(req)).toString('utf8'));
    const checked = checkAuthorize(p);
    if ('error' in checked) return sendText(res, 400, checked.error);
    const back = new URL(checked.redirectUri);
    const user = users.get(p.get('login') ?? '');
    if (p.get('decision') === 'deny') {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', 'The user has denied your application access.');
    } else if (!user) {
      return sendText(res, 400, html('Error', '<p>Incorrect username or password.</p>'), 'text/html; charset=utf-8');
    } else {
      const code = randomBytes(20).toString('hex');
      const challenge = p.get('code_challenge') ?? undefined;
      codes.set(code, { user, scope: scopes(p.get('scope')), clientId: p.get('client_id') ?? '', redirectUri: checked.redirectUri, challenge, expiresAt: Date.now() + CODE_TTL_MS });
      back.searchParams.set('code', code);
    }
    const state = p.get('state');
    if (state !== null) back.searchParams.set('state', state);
    res.writeHead(302, { location: back.href + d.fragment }).end();
  }

  async function token(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const raw = req.method === 'GET' ? '' : (await readBody(req)).toString('utf8');
    const p = req.method === 'GET'
      ? url.searchParams
      : (req.headers['content-type'] ?? '').includes('json') ? new URLSearchParams(JSON.parse(raw) as Record<string, string>) : new URLSearchParams(raw);
    seen.token.push(new URLSearchParams(p));
    if (mode === 'down') return void req.socket.destroy();
    if (mode === 'garbage') return sendText(res, 200, html('Unicorn!', '<p>No server is currently available to service your request.</p>'), 'text/html; charset=utf-8');
    if (mode === 'error') return d.tokenRefused(req, res, 'code');
    if (mode === 'slow') return slow.hold(res, 30_000, () => exchange(req, res, p));
    exchange(req, res, p);
  }

  function exchange(req: IncomingMessage, res: ServerResponse, p: URLSearchParams): void {
    const basic = basicCredentials(req.headers.authorization);
    const clientId = basic?.id ?? p.get('client_id') ?? '';
    const client = clients.get(clientId);
    if (!client || client.secret !== (basic?.secret ?? p.get('client_secret'))) return d.tokenRefused(req, res, 'client');
    if (d.tokenRequires.includes('grant_type') && p.get('grant_type') !== 'authorization_code') return d.tokenRefused(req, res, 'grant_type');
    if (d.tokenRequires.includes('redirect_uri') && !p.get('redirect_uri')) return d.tokenRefused(req, res, 'redirect_uri');
    const key = p.get('code') ?? '';
    const code = codes.get(key);
    codes.delete(key);
    if (!code || code.expiresAt < Date.now() || code.clientId !== clientId) return d.tokenRefused(req, res, 'code');
    if (p.has('redirect_uri') && p.get('redirect_uri') !== code.redirectUri) return d.tokenRefused(req, res, 'redirect_uri');
    if (code.challenge !== undefined) {
      const verifier = p.get('code_verifier');
      if (!verifier || createHash('sha256').update(verifier).digest('base64url') !== code.challenge) return d.tokenRefused(req, res, 'pkce');
    }
    const accessToken = d.accessToken();
    tokens.set(accessToken, { userId: code.user.id, scope: code.scope });
    d.tokenOk(req, res, accessToken, { user: code.user, scope: code.scope });
  }

  function api(req: IncomingMessage, res: ServerResponse, url: URL, path: string): void {
    // GitHub's API refuses requests without a User-Agent.
    if (kind === 'github' && !req.headers['user-agent']) return sendJson(res, 403, { message: 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header.' });
    const bearer = /^(?:Bearer|token|OAuth)\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const grant = tokens.get(bearer ?? url.searchParams.get('access_token') ?? '');
    const user = grant && users.get(grant.userId);
    if (!grant || !user) return d.badToken(res);
    d.api(path, url, { user, scope: grant.scope }, res);
  }

  const { port, close: closeServer } = await listen(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://upstream');
    const path = kind === 'github' ? url.pathname : url.pathname.replace(/^\/v\d+\.\d+(?=\/)/, '');
    if (req.method === 'GET' && path === d.paths.authorize) return authorizePage(url, res);
    if (req.method === 'POST' && path === `${d.paths.authorize}/approve`) return approve(req, res);
    if (path === d.paths.token && d.tokenMethods.includes(req.method ?? '')) return token(req, res, url);
    if (req.method === 'GET' && (path === d.paths.profile || path === d.paths.emails)) return api(req, res, url, path);
    sendJson(res, 404, { message: 'Not Found' });
  });
  const base = `http://127.0.0.1:${port}`;
  const close = track(async () => {
    slow.release();
    await closeServer();
  });

  return {
    kind,
    base,
    authorizationUrl: base + d.paths.authorize,
    tokenUrl: base + d.paths.token,
    profileUrl: base + d.paths.profile,
    ...(d.paths.emails ? { emailsUrl: base + d.paths.emails } : {}),
    seen,
    addClient(c) {
      clients.set(c.client_id, { secret: c.client_secret, redirectUris: [...c.redirect_uris] });
    },
    addUser(u) {
      users.set(u.id, { ...u });
    },
    async login(authorizeUrl, id) {
      const page = await fetch(authorizeUrl);
      const text = await page.text();
      const form = page.status === 200 ? parseForm(text) : undefined;
      if (!form) throw new Error(`${kind} upstream login: ${page.status}: ${text.replace(/<[^>]+>/g, ' ').trim().slice(0, 200)}`);
      form.fields.set('login', id);
      const res = await fetch(new URL(form.action, authorizeUrl), { method: 'POST', body: form.fields, redirect: 'manual' });
      const location = res.headers.get('location');
      if (res.status !== 302 || !location) throw new Error(`${kind} upstream login: ${res.status}: ${(await res.text()).replace(/<[^>]+>/g, ' ').trim().slice(0, 200)}`);
      return location;
    },
    tamper(m) {
      mode = m;
    },
    close,
  };
}
