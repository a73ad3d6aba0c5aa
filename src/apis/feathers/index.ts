import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BadRequest, FeathersError } from '@feathersjs/errors';
import type { Core } from '../../core/index.js';
import { setRetryAfter } from '../shared/lockout.js';
import { feathersApp } from './app.js';
import { toFeathersError } from './errors.js';
import { restRoutes } from './rest.js';
import { refreshRoute } from './authentication/refresh-route.js';
import { codeRoutes } from './otp/routes.js';
import { oauthRoutes } from './oauth/routes.js';

function feathersErrorHandler(core: Core) {
  return (err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) => {
    const fe = err as FastifyError;
    // Fastify's own refusals (bad JSON, wrong media type, body too large) are the caller's fault.
    const e: FeathersError =
      !(err instanceof FeathersError) && fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500 ? new BadRequest(fe.message) : toFeathersError(err);
    if (e.code >= 500) req.log.error({ err }, 'feathers request failed');
    const retry = (e.data as { retryAfter?: number } | undefined)?.retryAfter;
    setRetryAfter(reply, retry);
    return reply.code(e.code).send(e.toJSON());
  };
}

/**
 * The Feathers v5 dialect: REST at the service paths and the socket.io protocol on the same
 * port, over the services of app.ts. socket.io is attached to Fastify's server once it is ready
 * and its sockets are closed before Fastify closes (an open websocket would hold `close`).
 */
export async function feathersDialect(http: FastifyInstance, opts: { core: Core }) {
  const { core } = opts;
  const { ctx, entries } = feathersApp(core, core.claims);
  http.setErrorHandler(feathersErrorHandler(core));
  for (const e of entries) restRoutes(http, ctx, e.path, e.doc);
  refreshRoute(http, ctx);
  codeRoutes(http, ctx);
  oauthRoutes(http, ctx);
  http.addHook('onReady', async () => {
    await ctx.app.setup(http.server);
  });
  http.addHook('preClose', async () => {
    const io = (ctx.app as unknown as { io?: { disconnectSockets(close: boolean): void; engine: { close(): void } } }).io;
    io?.disconnectSockets(true);
    io?.engine.close();
  });
}
