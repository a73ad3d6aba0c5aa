import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Core } from '../../core/index.js';
import type { Account } from '../../core/accounts/accounts.js';
import { CoreError } from '../../core/errors.js';
import type { AccessTokenKind } from '../../core/tokens/access.js';
import { header } from '../request-info.js';
import { perCore } from '../shared/per-core.js';
import { deviceOf, trustDevice } from '../shared/device.js';
import { lockout } from '../shared/lockout.js';
import { isBlocked } from '../../core/rbac/permissions.js';
import { BasicError, BasicValidationError, basicFail } from './errors.js';
import * as S from './schemas.js';

const BASIC = 'basic';
const RESET_TYP = 'reset+jwt';
const tags = ['basic'];

const userJson = (u: Account) => ({ id: u.uuid, name: u.name ?? ([u.first_name, u.last_name].filter(Boolean).join(' ') || u.username), bio: u.bio, email: u.email });

/** basic access tokens: HS256 with JWT_SECRET, `type: access` and the account's uuid in `sub`. */
const basicAccess = perCore(
  (core): AccessTokenKind =>
    core.access.kind({
      sign: (claims) => core.jwt.sign(claims),
      verify: (token, opts) => core.jwt.verify(token, opts),
      typ: ['JWT'],
      // Only access tokens: the original also let refresh tokens through.
      account: (c) => (c.type === 'access' && typeof c.sub === 'string' ? { uuid: c.sub } : undefined),
    }),
);

const mintAccess = (core: Core, user: Account) => basicAccess(core).mint({ sub: user.uuid, type: 'access' }, core.config.basicAccessMinutes * 60);

function tokensJson(issued: { refreshToken: string; access: { token: string; expMs: number } }, refreshTtlSec: number) {
  return {
    access: { token: issued.access.token, expires: new Date(issued.access.expMs).toISOString() },
    refresh: { token: issued.refreshToken, expires: new Date(Date.now() + refreshTtlSec * 1000).toISOString() },
  };
}

/** A session for `user`, the row whose credentials were checked (a change since voids it). */
async function startSession(core: Core, user: Account, req: FastifyRequest) {
  const ttl = core.config.basicRefreshMinutes * 60;
  const issued = await core.sessions.start(
    { userId: user.id, clientId: null, kind: BASIC, userAgent: header(req, 'user-agent'), ip: req.ip, refreshTtlSec: ttl, cutOffSeen: user.sessions_not_before },
    () => mintAccess(core, user),
  );
  return { user: userJson(user), tokens: tokensJson(issued, ttl) };
}

/** Email + password sign-in; also reached through the shared POST /auth/login. */
export async function basicLogin(core: Core, body: S.LoginBody, req: FastifyRequest, reply: FastifyReply) {
  try {
    const device = deviceOf(core, req);
    const user = await core.accounts.authenticate({ login: body.email, by: 'email', password: body.password, ip: req.ip, device });
    trustDevice(core, reply, device);
    if (isBlocked(user)) basicFail(401, 'Incorrect email or password');
    await core.accounts.touchLastLogin(user.id);
    return await startSession(core, user, req);
  } catch (e) {
    const locked = lockout(e);
    if (locked) throw new BasicError(locked.status, locked.message, locked.retryAfter);
    if (e instanceof CoreError) basicFail(401, 'Incorrect email or password');
    throw e;
  }
}

const err = { 400: S.ErrorBody, 401: S.ErrorBody, 403: S.ErrorBody, 429: S.ErrorBody };

export function basicRoutes(app: FastifyInstance, core: Core) {
  app.post('/auth', { schema: { tags, summary: 'Welcome the authenticated user', security: [{ BearerAuth: [] }], response: { 200: S.WelcomeResponse, ...err } } }, async (req) => {
    const m = /^bearer\s+(\S+)$/i.exec(header(req, 'authorization') ?? '');
    if (!m?.[1]) return basicFail(401, 'Authentication token required');
    const checked = basicAccess(core).verify(m[1]);
    const user = checked.ok ? await core.accounts.byUuid(checked.claims.sub as string) : undefined;
    if (!user || isBlocked(user)) return basicFail(403, 'Invalid or expired token');
    return { message: 'Welcome authenticated user', user: userJson(user) };
  });

  app.post<{ Body: S.RegisterBody }>('/auth/register', { schema: { tags, summary: 'Register a new user', body: S.RegisterBody, response: { 201: S.AuthResponse, ...err } } }, async (req, reply) => {
    const b = req.body;
    // Every attempt counts, refused ones too: "Email already taken" answers enumerate accounts.
    await core.registration.admit(req.ip);
    if (b.confirm !== b.password) throw new BasicValidationError([{ code: 'custom', path: ['body', 'confirm'], message: "Passwords don't match" }]);
    const user = await core.accounts.create({ username: b.email, email: b.email, password: b.password, name: b.name, firstName: b.name, bio: b.bio ?? null, ip: req.ip }).catch((e: unknown) => {
      if (e instanceof CoreError && e.code === 'taken') return basicFail(400, 'Email already taken');
      if (e instanceof CoreError && e.code === 'invalid_input') return basicFail(400, e.message);
      throw e;
    });
    return reply.code(201).send(await startSession(core, user, req));
  });

  app.post<{ Body: Static<typeof S.RefreshBody> }>('/auth/logout', { schema: { tags, summary: 'End the session of a refresh token', body: S.RefreshBody, response: { 200: { type: 'null' }, ...err } } }, async (req, reply) => {
    await core.sessions.end(req.body.refreshToken, { kind: BASIC }).catch(() => basicFail(400, 'Invalid refresh token'));
    return reply.code(200).send();
  });

  app.post<{ Body: Static<typeof S.RefreshBody> }>('/auth/refresh-tokens', { schema: { tags, summary: 'Rotate a refresh token', body: S.RefreshBody, response: { 200: S.Tokens, ...err } } }, async (req) => {
    const ttl = core.config.basicRefreshMinutes * 60;
    const issued = await core.sessions
      .rotate(req.body.refreshToken, {
        kind: BASIC,
        refreshTtlSec: ttl,
        mint: async (s) => {
          const user = await core.accounts.byId(s.user_id);
          if (!user) throw new CoreError('token_expired');
          return mintAccess(core, user);
        },
      })
      .catch(() => basicFail(401, 'Please authenticate'));
    return tokensJson(issued, ttl);
  });

  app.post<{ Body: Static<typeof S.ForgotBody> }>(
    '/auth/forgot-password',
    { schema: { tags, summary: 'Mail a password-reset link (same answer whether or not the email exists)', body: S.ForgotBody, response: { 204: { type: 'null' }, ...err } } },
    async (req, reply) => {
      const user = await core.accounts.byEmail(req.body.email);
      const ttl = core.config.forgotPasswordLinkExpiry;
      // The token is minted off the request path, and only for a known account with an email.
      await core.recovery.request(user, {
        asked: req.body.email,
        ip: req.ip,
        ttlSec: ttl,
        mint: (u) => {
          const iat = Math.floor(Date.now() / 1000);
          return core.jwt.sign({ sub: u.uuid, iat, exp: iat + ttl, type: 'resetPassword' }, RESET_TYP);
        },
      });
      return reply.code(204).send();
    },
  );

  app.post<{ Body: Static<typeof S.ResetBody>; Querystring: Static<typeof S.ResetQuery> }>(
    '/auth/reset-password',
    { schema: { tags, summary: 'Set a new password with a reset token', querystring: S.ResetQuery, body: S.ResetBody, response: { 200: { type: 'null' }, ...err } } },
    async (req, reply) => {
      await core.recovery.finish(req.query.token, req.body.password, 'basic', req.ip).catch((e: unknown) => {
        if (e instanceof CoreError && e.code === 'password_same') return basicFail(400, 'Password cannot be same as previous password');
        return basicFail(401, 'Password reset failed');
      });
      return reply.code(200).send();
    },
  );
}
