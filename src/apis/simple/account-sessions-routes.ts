import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Core } from '../../core/index.js';
import type { AuthSession } from '../../core/sessions/auth-sessions.js';
import { claimsFor, feathersAccess } from '../shared/feathers-tokens.js';
import { simpleFail } from './errors.js';
import { callerOf } from './http.js';
import * as S from './schemas.js';

const tags = ['simple'];
const security = S.PRIVATE;
const DAY_MS = 86_400_000;

const Nullable = (t: ReturnType<typeof Type.String>) => Type.Union([t, Type.Null()]);
const SessionView = Type.Object({
  id: Type.Integer(),
  /** Whether it is the session of the cookie this request came with. */
  current: Type.Boolean(),
  /** How it began: `login`, `oidc`, `onetime` (this dialect's cookies), or another dialect's strategy (`password`, `local`, …). */
  source: Type.String(),
  title: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  useragent: Nullable(Type.String()),
  browser: Nullable(Type.String()),
  os: Nullable(Type.String()),
  device: Nullable(Type.String()),
  created: Type.String(),
  updated: Type.String(),
  expires: Type.String(),
});
const SessionList = Type.Object({ sessions: Type.Array(SessionView) });
const TokenList = Type.Object({ tokens: Type.Array(SessionView) });
const IdParams = Type.Object({ id: Type.String({ pattern: '^[1-9][0-9]{0,9}$' }) });
const TokenBody = Type.Object(
  { title: Type.String({ minLength: 1, maxLength: 255 }), expiresInDays: Type.Integer({ minimum: 1, maximum: 3650 }) },
  { additionalProperties: false },
);
/** The token itself appears in this answer only: the server keeps a hash of its signature. */
const TokenCreated = Type.Object({ token: Type.String(), session: SessionView });
const Ended = Type.Object({ success: Type.Boolean(), ended: Type.Integer() });

const joined = (...parts: (string | null)[]) => parts.filter(Boolean).join(' ') || null;
const iso = (ms: number) => new Date(ms).toISOString();

function view(s: AuthSession, currentId: number | undefined) {
  return {
    id: s.id,
    current: s.id === currentId,
    source: s.auth_provider,
    title: s.title,
    ip: s.ip,
    useragent: s.useragent,
    browser: joined(s.browser_name, s.browser_version),
    os: joined(s.os_name, s.os_version),
    device: joined(s.device_vendor, s.device_model, s.device_type ? `(${s.device_type})` : null),
    created: iso(s.created_at),
    updated: iso(s.updated_at),
    expires: iso(s.expires_at),
  };
}

/**
 * Gatehouse's additions to simple-auth (which had none): the signed-in account's sessions of
 * every dialect and its personal access tokens, to list and end. Session cookie + CSRF (or
 * SharedKey + X-Account-UUID) as every private route. An id that is not one of the caller's own
 * answers 404, as an unknown one does, so other accounts' ids cannot be probed.
 */
export function accountSessionsRoutes(app: FastifyInstance, core: Core) {
  const priv = { simpleAuth: 'private' as const };
  // Personal access tokens are Feathers access tokens (bearer tokens for the Feathers API), as
  // the Feathers auth_sessions service makes them.
  const access = feathersAccess(core);
  /** The stored row of the cookie the request came with, if it has one. */
  const currentId = async (cookie: string | undefined) => (cookie ? (await core.sessions.sessionOf(cookie))?.id : undefined);
  const own = async (userId: number, id: string) => {
    const ended = await core.authSessions.revokeOwn(userId, Number(id));
    if (!ended) simpleFail(404, 'not-found', 'no such session');
  };

  app.get('/account/sessions', { config: priv, schema: { tags, summary: 'The live sessions of the account, every dialect (Gatehouse addition)', security, response: { 200: SessionList, ...S.errors } } }, async (req) => {
    const { user, cookie } = callerOf(req);
    const [{ sessions }, cur] = await Promise.all([core.authSessions.liveOf(user.id), currentId(cookie)]);
    return { sessions: sessions.map((s) => view(s, cur)) };
  });

  app.delete<{ Params: { id: string } }>(
    '/account/sessions/:id',
    { config: priv, schema: { tags, summary: 'End one session of the account: its tokens are refused at once (Gatehouse addition)', security, params: IdParams, response: { 200: S.Success, ...S.errors } } },
    async (req) => {
      const { user } = callerOf(req);
      const row = await core.authSessions.get(Number(req.params.id));
      // A personal access token is ended through /account/tokens.
      if (row?.auth_provider === 'pat') simpleFail(404, 'not-found', 'no such session');
      await own(user.id, req.params.id);
      return { success: true };
    },
  );

  app.delete('/account/sessions', { config: priv, schema: { tags, summary: "End every session of the account but this request's own (Gatehouse addition)", security, response: { 200: Ended, ...S.errors } } }, async (req) => {
    const { user, cookie } = callerOf(req);
    const ended = await core.authSessions.revokeOthers(user.id, await currentId(cookie));
    return { success: true, ended };
  });

  app.get('/account/tokens', { config: priv, schema: { tags, summary: 'The live personal access tokens of the account, never their value (Gatehouse addition)', security, response: { 200: TokenList, ...S.errors } } }, async (req) => {
    const { user } = callerOf(req);
    const { tokens } = await core.authSessions.liveOf(user.id);
    return { tokens: tokens.map((s) => view(s, undefined)) };
  });

  app.post('/account/tokens', { config: priv, schema: { tags, summary: 'A new personal access token, shown in this answer only (Gatehouse addition)', security, body: TokenBody, response: { 200: TokenCreated, ...S.errors } } }, async (req) => {
    const { user } = callerOf(req);
    const b = req.body as { title: string; expiresInDays: number };
    const title = b.title.trim();
    if (!title) simpleFail(400, 'bad-request', "Field validation for 'title' failed: must not be blank");
    const claims = await claimsFor(core.claims, user);
    const { session, token } = await core.authSessions.createPat(
      { userId: user.id, title, expiresAt: Date.now() + b.expiresInDays * DAY_MS, ip: req.ip, userAgent: req.headers['user-agent'] ?? null },
      (ttlSec) => access.mint(claims, ttlSec),
    );
    return { token, session: view(session, undefined) };
  });

  app.delete<{ Params: { id: string } }>(
    '/account/tokens/:id',
    { config: priv, schema: { tags, summary: 'Revoke a personal access token of the account (Gatehouse addition)', security, params: IdParams, response: { 200: S.Success, ...S.errors } } },
    async (req) => {
      const { user } = callerOf(req);
      const row = await core.authSessions.get(Number(req.params.id));
      if (row && row.auth_provider !== 'pat') simpleFail(404, 'not-found', 'no such token');
      await own(user.id, req.params.id);
      return { success: true };
    },
  );
}
