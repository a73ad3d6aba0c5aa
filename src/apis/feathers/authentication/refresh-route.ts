import type { FastifyInstance } from 'fastify';
import { NotAuthenticated } from '@feathersjs/errors';
import { CoreError } from '../../../core/errors.js';
import { header } from '../../request-info.js';
import type { FeathersContext } from '../context.js';
import { tokenOfHeader } from '../hooks/authenticate.js';
import { mintFor } from '../tokens.js';
import { validator } from '../validate.js';
import { authResult } from './result.js';
import { RefreshBody } from './schema.js';

const checkBody = validator(RefreshBody);

/**
 * `POST /auth/refresh`, as the original's public client calls it: Bearer access token and
 * `{strategy: 'jwt', accessToken, refreshToken}`. The refresh token rotates (decision 7): a
 * reused one ends its session. It must come with the access token it was issued beside.
 */
export function refreshRoute(http: FastifyInstance, ctx: FeathersContext): void {
  http.post(
    '/auth/refresh',
    { schema: { tags: ['feathers'], summary: 'Feathers: rotate a refresh token for a new access token', body: RefreshBody }, validatorCompiler: () => () => true },
    async (req, reply) => {
      const body = checkBody(req.body ?? {});
      const paired = body.accessToken ?? tokenOfHeader(header(req, 'authorization')) ?? null;
      const core = ctx.core;
      let user: Awaited<ReturnType<typeof core.accounts.byId>>;
      const issued = await core.sessions
        .rotate(body.refreshToken, {
          kind: 'feathers',
          pairedAccess: paired,
          refreshTtlSec: core.config.feathersRefreshSeconds,
          mint: async (session) => {
            user = await core.accounts.byId(session.user_id);
            if (!user) throw new CoreError('token_expired');
            return (await mintFor(core, ctx.access, ctx.rbac, user))();
          },
        })
        .catch((e: unknown) => {
          if (e instanceof CoreError) throw new NotAuthenticated('Invalid refresh token');
          throw e;
        });
      const checked = ctx.access.verify(issued.access.token);
      if (!checked.ok || !user) throw new NotAuthenticated('Invalid refresh token');
      reply.code(201);
      return authResult({ strategy: 'jwt', accessToken: issued.access.token, payload: checked.claims, user, refreshToken: issued.refreshToken, echoToken: true });
    },
  );
}
