import type { FastifyInstance } from 'fastify';

/**
 * One dependency readiness waits for. The database is the first; a cluster adds its propagation
 * channel (issue 14: Redis) as one more entry, through `startGatehouse`'s `readiness` option.
 */
export interface ReadinessCheck {
  name: string;
  /** Resolves true when the dependency answers; false or a rejection means it does not. */
  check(): Promise<boolean>;
}

/** A dependency that has not answered by then counts as down: probes must answer quickly. */
const CHECK_TIMEOUT_MS = 2000;

function within(check: ReadinessCheck): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
  });
  return Promise.race([check.check().catch(() => false), late]).finally(() => clearTimeout(timer));
}

/**
 * `GET /health/live`: the process runs and its event loop turns (200, always); a supervisor
 * restarts the process when this stops answering. `GET /health/ready`: every dependency answers
 * (200) or not (503 with the reason); a load balancer sends no traffic to a node that is not
 * ready, and the process is not restarted for it. While the server shuts down, Fastify answers
 * 503 to requests on connections still open. Both are left out of the OpenAPI document, as
 * `/health` is.
 */
export function healthRoutes(app: FastifyInstance, checks: ReadinessCheck[]): void {
  app.get('/health/live', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/health/ready', { schema: { hide: true } }, async (_req, reply) => {
    const results = await Promise.all(checks.map(within));
    const down = checks.filter((_c, i) => !results[i]).map((c) => c.name);
    const state = Object.fromEntries(checks.map((c, i) => [c.name, results[i] ? 'up' : 'down']));
    if (!down.length) return reply.send({ status: 'ready', checks: state });
    return reply.code(503).send({ status: 'unavailable', reason: `${down.join(', ')} not reachable`, checks: state });
  });
}
