import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import pino, { type Logger } from 'pino';
import type { Config } from './config/index.js';
import { createCore, type Core } from './core/index.js';
import { openStore } from './store/index.js';
import { nulFreeValidatorCompiler } from './apis/validation.js';
import { dialects } from './apis/index.js';
import { simplePageSupport } from './apis/simple/index.js';
import { webPages } from './web/index.js';
import { requestLoggers } from './request-logger.js';
import { pageHeaders } from './web/headers.js';
import { observability, requestIds, type ObservabilityOptions, type ReadinessCheck } from './observability/index.js';

/** A request's path as logs show it: no query string, and no one-time code (Feathers `/otp/:otp` carries one). */
export const loggedPath = (url: string): string => (url.split('?')[0] ?? '').replace(/^((?:\/auth)?\/otp\/)[^/]+/, '$1[redacted]');

/** Logger that never writes credentials: headers and query strings (reset and access tokens) are left out. */
export function createLogger(config: Config): Logger {
  return pino({
    level: config.logLevel,
    redact: { paths: ['password', '*.password', 'token', '*.token'], censor: '[redacted]' },
    serializers: {
      req: (req: { method: string; url: string; ip?: string; id?: string }) => ({ method: req.method, path: loggedPath(req.url), ip: req.ip, id: req.id }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      err: pino.stdSerializers.err,
    },
  });
}

export async function buildApp(core: Core, ops: ObservabilityOptions = {}): Promise<FastifyInstance> {
  // Fastify's own request lines ("incoming request", "request completed") are at info. Below
  // that level the app runs without a Fastify logger: Fastify then skips the two listeners it
  // puts on every response to write the second line, a fifth of a forward-auth check. Request
  // loggers (warnings, errors, with the request id) write to our logger either way.
  const requestLines = core.log.isLevelEnabled('info');
  const app = Fastify({
    ...(requestLines ? { loggerInstance: core.log as FastifyBaseLogger } : { logger: false }),
    childLoggerFactory: requestLoggers(core.log),
    // The caller's X-Request-Id when it is safe, else one of ours; every line a request logs carries it as `reqId`.
    genReqId: requestIds({ stamp: core.config.metricsEnabled }),
    trustProxy: core.config.trustProxy,
    bodyLimit: 1024 * 1024,
    // Path parameters may be email addresses (Feathers /verify/:id, /recover/:email), up to 254 characters before encoding.
    routerOptions: { maxParamLength: 1024 },
    // URLs the router cannot even parse (bad percent-encoding, …) get the same envelope as unknown routes.
    frameworkErrors: (err, _req, reply: FastifyReply) => {
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
      void reply.code(status).send({ error: { statusCode: status, name: status === 404 ? 'NotFoundError' : 'BadRequestError', message: err.message } });
    },
  });
  // Every dialect refuses U+0000 in its input (PostgreSQL cannot store it); the dialect's envelope says so.
  app.setValidatorCompiler(nulFreeValidatorCompiler);
  emptyJsonIsNoBody(app);
  // First, so that its hook and the metrics see every route registered below.
  observability(app, core, ops);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Gatehouse', version: '0.1.0', description: 'ARC authentication-service, basic Authentication API and simple-auth dialects over one user store.' },
      components: {
        securitySchemes: {
          BearerAuth: { type: 'http', scheme: 'bearer' },
          HTTPBearer: { type: 'http', scheme: 'bearer' },
          SessionAuth: { type: 'apiKey', in: 'cookie', name: core.config.simpleCookieName },
          ApiKeyAuth: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'SharedKey <secret>, with X-Account-UUID on per-account operations' },
        },
      },
    },
  });
  const docsHeaders = pageHeaders(core.config).files({ styles: [SWAGGER_LOGO_STYLE] });
  await app.register(async (docs) => {
    // The docs page and its files: swagger-ui has no inline script, only files of this origin.
    docs.addHook('onRequest', (_req, reply, done) => {
      docsHeaders(reply);
      done();
    });
    await docs.register(swaggerUi, { routePrefix: '/docs' });
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  // Gatehouse's own shape and simple-auth's (`Status`, `DB`) in one body.
  app.get('/health', { schema: { hide: true } }, async (_req, reply) => {
    const db = await core.databaseReachable();
    return reply.code(db ? 200 : 503).send({ status: db ? 'ok' : 'degraded', Status: db ? 'OK' : 'ERROR', DB: db });
  });

  for (const d of dialects) await app.register(d.plugin, { core });
  // The hosted pages sign in on simple-auth's cookie session, so they share its CSRF token.
  await app.register(async (web) => webPages(web, core, simplePageSupport(core)));

  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ error: { statusCode: 404, name: 'NotFoundError', message: `Endpoint "${req.method} ${req.url.split('?')[0]}" not found.` } });
  });
  return app;
}

/**
 * The `<style>` of the Swagger logo (an inline SVG that swagger-ui's preset inserts, before our
 * initializer swaps in Fastify's): the only inline code of /docs (@fastify/swagger-ui 5.2.6).
 */
const SWAGGER_LOGO_STYLE = 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w=';

/**
 * A JSON content type with an empty body is a request without a body, in every dialect: the
 * originals accept it (Express and LoopBack parse it as `{}`, echo skips binding), and browsers'
 * `fetch` sends it for body-less calls such as the sign-in page's DELETE session. Fastify's own
 * parser answers 400 FST_ERR_CTP_EMPTY_JSON_BODY. Operations that need a body still get their
 * dialect's own validation error; anything else that is not JSON still fails to parse.
 */
function emptyJsonIsNoBody(app: FastifyInstance): void {
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '') return done(null, {});
    json(req, body as string, done);
  });
}

/** Below Docker's default 10 s between SIGTERM and SIGKILL (`docker stop`), and systemd's 90 s. */
export const SHUTDOWN_GRACE_MS = 8000;

/**
 * Opens the store, wires the core and builds the app; used by the CLI and the tests. `readiness`
 * adds dependencies `/health/ready` waits for besides the database: a cluster's propagation
 * channel (issue 14) belongs there.
 */
export async function startGatehouse(config: Config, logger?: Logger, opts: { readiness?: ReadinessCheck[] } = {}) {
  const log = logger ?? createLogger(config);
  const store = await openStore(config.databaseUrl, { redisUrl: config.redisUrl, redisPrefix: config.redisPrefix });
  const core = await createCore(config, store, log);
  // A node that lost the revocation channel still polls, but is slower to hear of sign-outs: say so.
  const channel: ReadinessCheck[] = store.kind === 'postgres' || config.redisUrl ? [{ name: 'revocation channel', check: async () => core.revocations.healthy() }] : [];
  const app = await buildApp(core, { pool: store.stats.pool, readiness: [...channel, ...(opts.readiness ?? [])] });
  return {
    app,
    core,
    store,
    /**
     * Stops taking connections, lets the requests in flight finish, then closes the core and the
     * store. A request still running after SHUTDOWN_GRACE_MS (a client that never finishes its
     * body) has its connection cut, so a stop always ends before a supervisor's kill.
     */
    async close() {
      const cut = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      try {
        await app.close();
      } finally {
        clearTimeout(cut);
      }
      await core.close();
      await store.close();
    },
  };
}
