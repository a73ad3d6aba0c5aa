import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../core/index.js';
import type { Account } from '../../core/accounts/accounts.js';
import type { SessionSource, WebSession } from '../../core/tokens/web-session.js';
import { randomBytes } from 'node:crypto';
import { ALNUM, randomAlnum, safeEqual, sha256 } from '../../core/util/crypto.js';
import { header } from '../request-info.js';
import { CoreError, fail, isUnavailable } from '../../core/errors.js';
import { EchoError, simpleFail } from './errors.js';

/** simple-auth's `X-Correlation-ID`: 12 alphanumerics, new for every response (a tracing aid, not a secret). */
let pool = Buffer.alloc(0);
let at = 0;
export function correlationId(): string {
  // One randomBytes call per 340 ids: a call per response cost ~6% of a forward-auth check.
  if (at + 12 > pool.length) {
    pool = randomBytes(4096);
    at = 0;
  }
  let out = '';
  for (let i = 0; i < 12; i++) out += ALNUM[(pool[at++] as number) % 62];
  return out;
}

/** Cookie values by name (first one wins, as Go's Request.Cookie). */
export function cookies(req: FastifyRequest): Map<string, string> {
  const out = new Map<string, string>();
  const raw = header(req, 'cookie');
  if (!raw) return out;
  for (const part of raw.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const name = part.slice(0, i).trim();
    if (out.has(name)) continue;
    const value = part.slice(i + 1).trim();
    out.set(name, value.length > 1 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value);
  }
  return out;
}

export interface CookieOpts {
  path?: string;
  domain?: string;
  expires?: Date;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: 'Lax' | 'Strict';
}

export function setCookie(reply: FastifyReply, name: string, value: string, o: CookieOpts): void {
  let c = `${name}=${value}`;
  if (o.path) c += `; Path=${o.path}`;
  if (o.domain) c += `; Domain=${o.domain}`;
  if (o.expires) c += `; Expires=${o.expires.toUTCString()}`;
  if (o.httpOnly) c += '; HttpOnly';
  if (o.secure) c += '; Secure';
  if (o.sameSite) c += `; SameSite=${o.sameSite}`;
  const prev = reply.getHeader('set-cookie');
  reply.header('set-cookie', prev === undefined ? [c] : [...(Array.isArray(prev) ? prev : [String(prev)]), c]);
}

/** The session cookie as the original sets it, plus SameSite=Lax. */
export function setSessionCookie(core: Core, reply: FastifyReply, token: string, expires: Date): void {
  const c = core.config;
  setCookie(reply, c.simpleCookieName, token, { path: c.simpleCookiePath, domain: c.simpleCookieDomain, expires, httpOnly: c.simpleCookieHttpOnly, secure: c.simpleCookieSecure, sameSite: 'Lax' });
}

/**
 * Sets a session cookie for `user`, the row whose credentials were checked: a password change or
 * a block since then (its cut-off moved) refuses the login instead, so a sign-in that checked the
 * old password cannot outlive the change.
 */
export async function startWebSession(core: Core, reply: FastifyReply, user: Account, src: SessionSource): Promise<void> {
  let s = core.webSessions.issue(user.uuid, src);
  // The claims have no iat/jti, so a login in the same second as a logout of the same account would
  // get the very token that logout revoked, and one in the second of a password change would be
  // cut off with the sessions before it: wait for the next second and issue again.
  // Sessions are stored by their signature, so a sign-in in the same second as a live session of
  // the same account (the same token) waits too: ending one must not end the other.
  const dead = async () => core.revocations.isRevoked(core.sessions.sigOf(s.token)) || core.revocations.isCutOff(user.uuid, s.issuedAtMs) || (await core.sessions.sessionOf(s.token)) !== undefined;
  for (let i = 0; i < 2 && (await dead()); i++) {
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    s = core.webSessions.issue(user.uuid, src);
  }
  if (!(await core.accounts.stillCurrent(user))) fail('invalid_credentials', 'Invalid Credentials');
  // Stored so that its owner can list it and end it (GET/DELETE /api/v1/account/sessions).
  await core.authSessions.recordWeb({
    userId: user.id,
    source: src,
    sigHash: sha256(core.sessions.sigOf(s.token)),
    expiresAt: s.expires.getTime(),
    ip: reply.request.ip,
    userAgent: header(reply.request, 'user-agent') ?? null,
  });
  setSessionCookie(core, reply, s.token, s.expires);
}

const CSRF_COOKIE = '_csrf';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/**
 * echo's double-submit CSRF: the `X-CSRF-Token` header must equal the `_csrf` cookie on unsafe
 * methods. Returns the token the response carries (the sign-in page embeds it).
 */
export function checkCsrf(req: FastifyRequest, reply: FastifyReply): string {
  const jar = cookies(req);
  let token = jar.get(CSRF_COOKIE);
  if (!SAFE.has(req.method)) {
    const sent = header(req, 'x-csrf-token') ?? '';
    if (!token || !sent || !safeEqual(sent, token)) throw new EchoError(403, 'invalid csrf token');
  }
  token ??= randomAlnum(32);
  setCookie(reply, CSRF_COOKIE, token, { path: '/', expires: new Date(Date.now() + 86_400_000), sameSite: 'Lax' });
  reply.header('vary', 'Cookie');
  return token;
}

/** `Authorization: SharedKey <secret>` (scheme case-insensitive), only with `api.external`. */
export function sharedKeyState(core: Core, req: FastifyRequest): 'none' | 'valid' | 'invalid' {
  const auth = header(req, 'authorization');
  if (!core.config.apiExternal || !auth) return 'none';
  const parts = auth.trim().split(/\s+/);
  if (parts.length !== 2 || parts[0]?.toLowerCase() !== 'sharedkey') return 'none';
  return core.config.apiSharedSecret && safeEqual(parts[1] as string, core.config.apiSharedSecret) ? 'valid' : 'invalid';
}

/**
 * A wrong API secret (SharedKey, /auth/simple's Bearer) counts toward the address's budget of
 * failures (LOGIN_MAX_FAILURES_PER_IP): the original's clients send several wrong keys in a row
 * and expect 401 each time, and the key has no account to protect.
 */
export async function countSecretGuess(core: Core, req: FastifyRequest): Promise<void> {
  await core.throttle.address(req.ip, async () => fail('invalid_credentials')).catch((e: unknown) => {
    // Locked, or not countable (Redis down: 503): a guess that cannot be counted is not let through.
    if ((e instanceof CoreError && e.code === 'locked') || isUnavailable(e)) throw e;
  });
}

/**
 * Public routes: a valid SharedKey skips CSRF; anything else must pass CSRF. The original's 1 s
 * per-IP sleep is replaced by the login throttle on the credentials themselves.
 */
export function publicAuth(core: Core, req: FastifyRequest, reply: FastifyReply): void {
  if (sharedKeyState(core, req) !== 'valid') checkCsrf(req, reply);
}

export interface Caller {
  user: Account;
  src: SessionSource;
  /** The verified cookie, when the caller came with one (logout revokes it). */
  cookie?: string;
}

/** The session of a cookie if it is valid and not revoked (signed out). */
export function sessionOf(core: Core, token: string): WebSession | undefined {
  const s = core.webSessions.verify(token);
  // Signed out, or ended by a password change or a block (the cut-off also covers blocked accounts).
  return s && !core.revocations.isRevokedHash(s.sigHash) && !core.revocations.isCutOff(s.sub, s.issuedAtMs) ? s : undefined;
}

/**
 * Private routes: the session cookie (then CSRF), else SharedKey + `X-Account-UUID`, else 401.
 * An unknown account is 401 `invalid-account` (the original answered 500).
 */
export async function privateAuth(core: Core, req: FastifyRequest, reply: FastifyReply): Promise<Caller> {
  const token = cookies(req).get(core.config.simpleCookieName);
  let uuid: string;
  let src: SessionSource;
  if (token) {
    if (core.webSessions.problem) return simpleFail(401, 'unauthorized', 'Unable to authenticate: server not configured for session api calls');
    const s = sessionOf(core, token);
    if (!s) return simpleFail(401, 'unauthorized', 'Unable to authenticate: unable to parse JWT');
    checkCsrf(req, reply);
    uuid = s.sub;
    src = s.src;
  } else {
    const state = sharedKeyState(core, req);
    if (state === 'invalid') return simpleFail(401, 'unauthorized', 'Unable to authenticate: invalid shared key');
    if (state === 'none') return simpleFail(401, 'unauthorized', 'Request did not pass any authentication schemes', { cause: true });
    const h = header(req, 'x-account-uuid');
    if (!h) return simpleFail(401, 'unauthorized', 'Unable to authenticate: missing x-account-uuid header');
    uuid = h;
    src = 'shared-secret';
  }
  const user = uuid.length <= 64 ? await core.accounts.byUuid(uuid) : undefined;
  if (!user) return simpleFail(401, 'invalid-account', 'invalid-account');
  return { user, src, cookie: token };
}

/** The caller a `private` route's hook authenticated. */
export function callerOf(req: FastifyRequest): Caller {
  if (!req.simpleCaller) throw new Error('route is not marked simpleAuth: private');
  return req.simpleCaller;
}

/** echo binds query parameters (the first of repeated ones) for every method, then the body over them. */
export function bind<T extends Record<string, unknown>>(req: FastifyRequest): Partial<T> {
  const q = (req.query ?? {}) as Record<string, unknown>;
  const b = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const k in q) out[k] = Array.isArray(q[k]) ? (q[k] as unknown[])[0] : q[k];
  return Object.assign(out, b) as Partial<T>;
}

/** A required string field after binding; missing → 400 bad-request in the original's wording. */
export function required(v: unknown, struct: string, field: string): string {
  if (typeof v === 'string' && v !== '') return v;
  return simpleFail(400, 'bad-request', `Key: '${struct}.${field}' Error:Field validation for '${field}' failed on the 'required' tag`);
}
export const optionalString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
