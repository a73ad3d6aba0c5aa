import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/index.js';
import { rawQuery } from '../request-info.js';

/** The entry points simple-auth serves beside its API; its pages (`GET /` and the rest) are src/web's. */
export function rootRoutes(app: FastifyInstance, core: Core) {
  app.get('/onetime', { schema: { tags: ['simple'], summary: 'One-time link entry: 307 to /api/v1/auth/onetime', response: { 307: { type: 'null' } } } }, async (req, reply) => {
    const q = rawQuery(req);
    return reply.code(307).header('location', `/api/v1/auth/onetime${q ? '?' + q : ''}`).send();
  });
  app.get('/oauth2', { schema: { tags: ['simple'], summary: 'OAuth2 authorize entry: 307 to the grant page /#/oauth2', response: { 307: { type: 'null' } } } }, async (req, reply) => {
    const q = new URLSearchParams(rawQuery(req)).toString();
    return reply.code(307).header('location', `/#/oauth2${q ? '?' + q : ''}`).send();
  });
}

/** The allowlist of continue URLs: `/#/oauth2…` always, else an anchored configured regex, else routeonlogin. */
export function resolveContinueUrl(core: Core, asked: string): string {
  if (!asked) return core.config.simpleRouteOnLogin;
  const allowed = ['/#/oauth2.*', ...core.config.simpleAllowedContinueUrls].some((re) => {
    try {
      return new RegExp(`^(?:${re})$`).test(asked);
    } catch {
      return false;
    }
  });
  return allowed ? asked : core.config.simpleRouteOnLogin;
}
