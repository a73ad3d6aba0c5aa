import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Core } from '../../core/index.js';
import { PERMISSIONS } from '../../core/rbac/permissions.js';
import { JwtError } from '../../core/tokens/jwt.js';
import { arcUser } from './claims.js';
import { arcFail, fromCore } from './errors.js';
import { optionalPermission } from './session.js';
import * as S from './schemas.js';

export const RESET_TYP = 'reset+jwt';

export function passwordRoutes(app: FastifyInstance, core: Core) {
  /** Checks a reset token the way the original does, plus single use. */
  async function checkResetToken(token: string) {
    const row = await core.codes.peek(token, ['reset']);
    if (row?.consumed_at) arcFail(401, 'TokenRevoked');
    let payload: Record<string, unknown>;
    try {
      payload = core.jwt.verify(token, { typ: [RESET_TYP] }).payload;
    } catch (e) {
      if (e instanceof JwtError) return arcFail(401, 'Token Expired');
      throw e;
    }
    if (!payload.clientId || !payload.user || !row) arcFail(401, 'Token Invalid');
  }

  app.post<{ Body: Static<typeof S.ForgetPasswordRequest> }>(
    '/auth/forget-password',
    {
      schema: {
        tags: ['arc'],
        summary: 'Start a password reset: the link is mailed (a caller with CreateResetToken gets the code)',
        body: S.ForgetPasswordRequest,
        response: { 200: S.AnyObject, 204: { type: 'null' }, 401: S.ErrorBody, 403: S.ErrorBody, 404: S.ErrorBody, 422: S.ErrorBody },
      },
    },
    async (req, reply) => {
      const client = await core.clients.verify(req.body.client_id, req.body.client_secret, req.ip).catch((e: unknown) => fromCore(e, { client_invalid: [401, 'Client Invalid', true] }));
      const trusted = optionalPermission(core, req, PERMISSIONS.createResetToken);
      const user = await core.accounts.byExactUsername(req.body.username);
      const ttl = core.config.forgotPasswordLinkExpiry;
      const mint = (u: NonNullable<typeof user>) => {
        const iat = Math.floor(Date.now() / 1000);
        return core.jwt.sign(
          { clientId: client.clientId, userId: null, user: { id: u.uuid, email: u.email, username: u.username }, iat, exp: iat + ttl, aud: client.clientId, sub: u.username.toLowerCase() },
          RESET_TYP,
        );
      };
      if (trusted) {
        if (!user) return arcFail(404, 'User not found !');
        if (!user.email) return arcFail(422, 'No email exists for the user !');
        const code = mint(user);
        await core.recovery.issue(user, code, ttl, { clientId: client.id });
        const profile = await core.accounts.profile(user.id);
        const full = { deleted: false, createdOn: new Date(user.created_at).toISOString(), modifiedOn: new Date(user.updated_at).toISOString(), ...arcUser(user, profile?.clientIds ?? [], profile?.access.groupUuid ?? null) };
        return { code, expiry: ttl, email: user.email, user: full };
      }
      // Decision 2: an anonymous caller gets the code by mail only, and the same 204 whether or not
      // the account exists; the code is minted off the request path, and only for a real account.
      await core.recovery.request(user, { asked: req.body.username, ip: req.ip, ttlSec: ttl, clientId: client.id, mint });
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: Static<typeof S.TokenQuery> }>(
    '/auth/verify-reset-password-link',
    { schema: { tags: ['arc'], summary: 'Check a reset token', querystring: S.TokenQuery, response: { 200: S.SuccessResponse, 400: S.ErrorBody, 401: S.ErrorBody } } },
    async (req) => {
      await checkResetToken(req.query.token);
      return { success: true };
    },
  );

  app.patch<{ Body: Static<typeof S.ResetPasswordRequest> }>(
    '/auth/reset-password',
    { schema: { tags: ['arc'], summary: 'Set a new password with a reset token', body: S.ResetPasswordRequest, response: { 204: { type: 'null' }, 401: S.ErrorBody, 422: S.ErrorBody } } },
    async (req, reply) => {
      await core.clients.verify(req.body.client_id, req.body.client_secret, req.ip).catch((e: unknown) => fromCore(e, { client_invalid: [401, 'Client Invalid', true] }));
      await checkResetToken(req.body.token);
      await core.recovery
        .finish(req.body.token, req.body.password, 'arc', req.ip)
        .catch((e: unknown) => fromCore(e, { token_expired: [401, 'Token Expired'], token_revoked: [401, 'TokenRevoked'], password_same: [401, 'Password cannot be same as previous password!'] }));
      return reply.code(204).send();
    },
  );
}
