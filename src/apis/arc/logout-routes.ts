import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Core } from '../../core/index.js';
import { arcFail, fromCore } from './errors.js';
import { ARC, requireBearer } from './session.js';
import * as S from './schemas.js';

type LogoutRequest = { body: Static<typeof S.RefreshPartial> } & Parameters<typeof requireBearer>[1];

export function logoutRoutes(app: FastifyInstance, core: Core) {
  const logout = (upstream: boolean) => async (req: LogoutRequest) => {
    const bearer = requireBearer(core, req);
    const { refreshToken } = req.body;
    if (!refreshToken) return arcFail(422, 'TokenMissing');
    // As the original: the Keycloak session ends before the access token is matched to the
    // refresh token (whoever holds a live refresh token may end its upstream session).
    if (upstream) await endKeycloak(core, refreshToken);
    await core.sessions
      .end(refreshToken, { kind: ARC, pairedAccess: bearer.token })
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
  app.post<{ Body: Static<typeof S.RefreshPartial> }>('/logout', { schema: schema('End the session of a refresh token') }, logout(false));
  app.post<{ Body: Static<typeof S.RefreshPartial> }>('/keycloak/logout', { schema: schema('End the session (and its Keycloak session, if any)') }, logout(true));
}

/**
 * Fire-and-forget, as the original: the answer does not wait for Keycloak, whose failures are
 * only logged (by the engine). Only a session that began with a Keycloak sign-in has tokens to
 * end there; the original sent any session's provider tokens to Keycloak. An unknown or ended
 * refresh token fails just below, in `sessions.end`.
 */
async function endKeycloak(core: Core, refreshToken: string): Promise<void> {
  const session = await core.sessions.inspect(refreshToken, { kind: ARC }).catch(() => undefined);
  if (session?.source !== 'keycloak' || !session.upstream_enc) return;
  const tokens = core.federation.openTokens(session.upstream_enc);
  if (tokens) void core.federation.endUpstream('keycloak', tokens).catch(() => undefined);
}
