import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../core/index.js';
import type { Client } from '../../core/clients.js';
import type { Account } from '../../core/accounts/accounts.js';
import { JwtError, verifyHs256 } from '../../core/tokens/jwt.js';
import { STATUS, isBlocked } from '../../core/rbac/permissions.js';
import { header } from '../request-info.js';
import { deviceOf, trustDevice } from '../shared/device.js';
import { ArcError, arcFail, fromCore } from './errors.js';
import { ARC, issueTokens, requireBearer, rotateTokens } from './session.js';
import { authCodeData, issueAuthCode } from './auth-code.js';
import * as S from './schemas.js';
import type { Static } from '@sinclair/typebox';

const err = { 401: S.ErrorBody, 400: S.ErrorBody, 422: S.ErrorBody, 429: S.ErrorBody };
const firstTime = (u: Account) => u.status === STATUS.registered || u.status === STATUS.passwordChangeNeeded;

/**
 * Username + password, falling back to an OTP pushed through `/otp-caches` (as the original
 * does); failures raised here are the verifier's, hence nested messages.
 */
async function verifyUser(core: Core, body: S.LoginRequest, req: FastifyRequest, reply: FastifyReply): Promise<{ user: Account; source: string }> {
  let source = 'password';
  const device = deviceOf(core, req);
  try {
    const user = await core.accounts.authenticate({
      login: body.username,
      by: 'username',
      password: body.password,
      ip: req.ip,
      device,
      fallback: async () => {
        if (!(await core.codes.otp.matches(body.username, body.password))) return undefined;
        const u = await core.accounts.byUsername(body.username);
        if (!u) arcFail(401, 'Client User Missing', { nested: true });
        if (u && isBlocked(u)) arcFail(401, 'UserInactive', { nested: true });
        source = 'otp';
        return u;
      },
    });
    trustDevice(core, reply, device);
    return { user, source };
  } catch (e) {
    return fromCore(e, { missing_credentials: [401, 'Missing credentials', true], invalid_credentials: [401, 'Invalid Credentials', true] });
  }
}

async function verifyClient(core: Core, id: string, secret: string, req: FastifyRequest): Promise<Client> {
  return core.clients.verify(id, secret, req.ip).catch((e: unknown) => fromCore(e, { client_invalid: [401, 'Client Invalid', true] }));
}

/** Step 1 of the web flow, also used by the shared POST /auth/login. */
export async function arcLogin(core: Core, body: S.LoginRequest, req: FastifyRequest, reply: FastifyReply): Promise<{ code: string }> {
  const client = await verifyClient(core, body.client_id, body.client_secret, req);
  const { user, source } = await verifyUser(core, body, req, reply);
  // As /auth/login-token: a blocked account gets no code (the original issued tokens for it here).
  if (isBlocked(user)) arcFail(401, 'UserInactive', { nested: true });
  if (user.status === STATUS.registered) arcFail(400, 'User not active yet');
  return { code: await issueAuthCode(core, client, user, { source, cutOff: user.sessions_not_before }) };
}

export function loginRoutes(app: FastifyInstance, core: Core) {
  app.post<{ Body: Static<typeof S.AuthTokenRequest> }>(
    '/auth/token',
    { schema: { tags: ['arc'], summary: 'Exchange an authorization code for tokens', body: S.AuthTokenRequest, response: { 200: S.TokenResponse, ...err, 404: S.ErrorBody } } },
    async (req) => {
      const client = await core.clients.byClientId(req.body.clientId);
      if (!client) return arcFail(401, 'Client Invalid');
      try {
        verifyHs256(req.body.code, client.secret, { audience: client.clientId, issuer: core.config.jwtIssuer, typ: ['JWT'] });
      } catch (e) {
        if (e instanceof JwtError && e.reason === 'expired') arcFail(401, 'Code Expired');
        arcFail(401, 'Invalid Credentials');
      }
      const row = await core.codes.consume(req.body.code, ['auth_code']).catch(() => arcFail(401, 'Code Expired'));
      if (row.client_id !== client.id || row.user_id === null) return arcFail(401, 'Invalid Credentials');
      let profile = await core.accounts.profile(row.user_id);
      if (!profile) return arcFail(404, 'UserDoesNotExist');
      // Blocked between the code and its exchange.
      if (isBlocked(profile.user)) arcFail(401, 'UserInactive', { nested: true });
      if (!firstTime(profile.user)) {
        // The original reads the user again after the update: these tokens carry this login's time.
        await core.accounts.touchLastLogin(profile.user.id);
        profile = await core.accounts.profile(profile.user.id);
        if (!profile) return arcFail(404, 'UserDoesNotExist');
      }
      // The cut-off seen when the password was checked: a change since then voids the code.
      const { source, cutOff, upstream } = authCodeData(row.data);
      return issueTokens(core, profile, client, req, source, cutOff ?? null, upstream);
    },
  );

  app.post<{ Body: S.LoginRequest }>(
    '/auth/login-token',
    { schema: { tags: ['arc'], summary: 'Sign in with client and user credentials (one step)', body: S.LoginRequest, response: { 200: S.TokenResponse, ...err } } },
    async (req, reply) => {
      const client = await verifyClient(core, req.body.client_id, req.body.client_secret, req);
      const { user, source } = await verifyUser(core, req.body, req, reply);
      if (isBlocked(user)) arcFail(401, 'UserInactive', { nested: true });
      const profile = await core.accounts.profile(user.id);
      if (!profile || !profile.access.userGroupUuid) return arcFail(401, 'UserInactive', { nested: true });
      if (!profile.clientIds.includes(client.id)) arcFail(401, 'Client Invalid', { nested: true });
      if (user.status === STATUS.registered) arcFail(400, 'Your Sign-Up request is in process');
      if (!firstTime(user)) await core.accounts.touchLastLogin(user.id);
      return issueTokens(core, profile, client, req, source, user.sessions_not_before);
    },
  );

  app.post<{ Body: Static<typeof S.RefreshRequest> }>(
    '/auth/token-refresh',
    { schema: { tags: ['arc'], summary: 'Rotate a refresh token (needs the paired access token)', body: S.RefreshRequest, response: { 200: S.TokenResponse, ...err } } },
    async (req) => {
      // The original takes the second word of Authorization whatever the scheme, unverified.
      const paired = header(req, 'authorization')?.split(' ')[1] ?? null;
      try {
        const issued = await rotateTokens(core, req.body.refreshToken, paired, req);
        return { accessToken: issued.access.token, refreshToken: issued.refreshToken, expires: issued.access.expMs };
      } catch (e) {
        return fromCore(e, { token_expired: [401, 'Token Expired'], token_invalid: [401, 'Token Invalid'] });
      }
    },
  );

  // The body of /auth/me follows from the (frozen, remembered) claims of a verified token, so it
  // is serialised once per token rather than on every request.
  const meBodies = new WeakMap<object, string>();
  app.get('/auth/me', { schema: { security: S.BEARER, tags: ['arc'], summary: 'The signed-in user (the access token claims)', response: { 200: S.AnyObject, 401: S.ErrorBody } } }, (req, reply) => {
    // Synchronous: nothing here waits, and a promise per request is measurable at this rate.
    const { claims } = requireBearer(core, req);
    let body = meBodies.get(claims);
    if (body === undefined) {
      const { deviceInfo: _d, iat: _i, exp: _e, iss: _s, jti: _j, ...me } = claims;
      body = JSON.stringify(me);
      meBodies.set(claims, body);
    }
    // A string sent as application/json goes out as is (already serialised).
    return reply.type('application/json; charset=utf-8').send(body);
  });

  app.patch<{ Body: Static<typeof S.ChangePasswordRequest> }>(
    '/auth/change-password',
    { schema: { security: S.BEARER, tags: ['arc'], summary: 'Change the password; ends the session', body: S.ChangePasswordRequest, response: { 200: S.SuccessResponse, ...err, 403: S.ErrorBody } } },
    async (req) => {
      const bearer = requireBearer(core, req);
      const { refreshToken, username, password, oldPassword } = req.body;
      if (!refreshToken) return arcFail(422, 'TokenMissing');
      const session = await core.sessions
        .inspect(refreshToken, { kind: ARC, pairedAccess: bearer.token })
        .catch((e: unknown) => fromCore(e, { token_expired: [401, 'Token Expired'], token_invalid: [401, 'Token Invalid'] }));
      const user = await core.accounts.byId(session.user_id);
      if (!user || user.username !== username || bearer.claims.username !== username) return arcFail(403, 'NotAllowedAccess');
      if (password === undefined) return missing('password');
      // Decision 5: only a session that began with an OTP may skip the old password.
      if (oldPassword === undefined && session.source !== 'otp') return missing('oldPassword');
      try {
        await core.accounts.setPassword(user, password, { oldPassword, ip: req.ip, via: 'arc' });
      } catch (e) {
        fromCore(e, { password_incorrect: [401, 'Incorrect Password'], password_same: [401, 'Password cannot be same as previous password!'] });
      }
      await core.sessions.endFamily(session.id);
      return { success: true };
    },
  );
}

function missing(prop: string): never {
  throw new ArcError(422, 'The request body is invalid. See error object `details` property for more info.', {
    code: 'VALIDATION_FAILED',
    details: [{ path: '', code: 'required', message: `should have required property '${prop}'`, info: { missingProperty: prop } }],
  });
}
