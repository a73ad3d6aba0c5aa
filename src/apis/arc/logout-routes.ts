import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Core } from '../../core/index.js';
import { arcFail, fromCore } from './errors.js';
import { ARC, requireBearer } from './session.js';
import * as S from './schemas.js';

export function logoutRoutes(app: FastifyInstance, core: Core) {
  const logout = async (req: { body: Static<typeof S.RefreshPartial> } & Parameters<typeof requireBearer>[1]) => {
    const bearer = requireBearer(core, req);
    if (!req.body.refreshToken) return arcFail(422, 'TokenMissing');
    await core.sessions
      .end(req.body.refreshToken, { kind: ARC, pairedAccess: bearer.token })
      .catch((e: unknown) => fromCore(e, { token_expired: [401, 'Token Expired'], token_invalid: [401, 'Token Invalid'] }));
    return { success: true, key: String(bearer.claims.id) };
  };
  const schema = (summary: string) => ({
    security: S.BEARER,
    tags: ['arc'],
    summary,
    body: S.RefreshPartial,
    response: { 200: S.SuccessResponse, 401: S.ErrorBody, 422: S.ErrorBody },
  });
  app.post<{ Body: Static<typeof S.RefreshPartial> }>('/logout', { schema: schema('End the session of a refresh token') }, logout);
  // No social login is configured yet, so there is never an upstream Keycloak session to end.
  app.post<{ Body: Static<typeof S.RefreshPartial> }>('/keycloak/logout', { schema: schema('End the session (and its Keycloak session, if any)') }, logout);
}
