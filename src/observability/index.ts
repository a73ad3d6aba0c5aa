import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../core/index.js';
import type { PoolStats } from '../store/stats.js';
import { gatehouseMetrics } from './metrics.js';
import { healthRoutes, type ReadinessCheck } from './health.js';

export { requestIds } from './request-id.js';
export type { ReadinessCheck } from './health.js';

export interface ObservabilityOptions {
  /** The database pool's counts (PostgreSQL only). */
  pool?: () => PoolStats;
  /** Dependencies readiness waits for besides the database (a cluster's propagation channel). */
  readiness?: ReadinessCheck[];
}

/** `Authorization: Bearer <token>` against METRICS_TOKEN, in constant time; anyone when unset. */
function metricsReader(token: string | undefined): (authorization: string | undefined) => boolean {
  if (!token) return () => true;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const want = digest(token);
  return (authorization) => {
    const m = authorization ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization) : null;
    return m !== null && timingSafeEqual(digest(m[1] as string), want);
  };
}

/**
 * What an operator watches, registered before any route so that every route is seen: the
 * request id echoed on every answer, `/metrics` (when METRICS_ENABLED), `/health/live` and
 * `/health/ready`, and a clean stop. One `onSend` hook does the per-request part: an
 * `onResponse` hook would make Fastify put two listeners on every response, which server.ts
 * avoids above `info` logs.
 */
export function observability(app: FastifyInstance, core: Core, opts: ObservabilityOptions = {}): void {
  const metrics = core.config.metricsEnabled ? gatehouseMetrics(core, { pool: opts.pool }) : undefined;
  // Once stopping, answers close their connection: Fastify closes the connections idle when the
  // stop begins, but a keep-alive connection whose request was in flight would otherwise stay
  // open after its answer (up to keepAliveTimeout, 72 s) and hold the stop.
  let stopping = false;
  app.addHook('preClose', (done) => {
    stopping = true;
    done();
  });
  app.addHook('onSend', (req, reply, _payload, done) => {
    reply.header('x-request-id', req.id);
    if (stopping) reply.header('connection', 'close');
    metrics?.observe(req, reply);
    done();
  });
  if (metrics) {
    const mayRead = metricsReader(core.config.metricsToken);
    app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
      if (!mayRead(req.headers.authorization)) {
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer realm="metrics"')
          .send({ error: 'unauthorized', message: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>' });
      }
      const text = await metrics.text();
      return reply.type(metrics.contentType).send(text);
    });
    app.addHook('onClose', (_app, done) => {
      metrics.close();
      done();
    });
  }
  healthRoutes(app, [{ name: 'database', check: () => core.databaseReachable() }, ...(opts.readiness ?? [])]);
}
