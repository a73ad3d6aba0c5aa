import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import feathersPkg from '@feathersjs/feathers';
import { BadRequest, MethodNotAllowed } from '@feathersjs/errors';
import { parse as parseQs } from 'qs';
import { header, rawQuery } from '../request-info.js';
import { deviceOf, trustDevice } from '../shared/device.js';
import type { CallParams, FeathersContext } from './context.js';
import { tokenOfHeader } from './hooks/authenticate.js';

// A CommonJS package: Node's ESM loader does not see these two as named exports.
const { getServiceOptions, defaultServiceMethods } = feathersPkg;

/** What the REST transport documents of one service. */
export interface RestDoc {
  summary: string;
  /** Schemas of the bodies (validated by the service on both transports, not by Fastify). */
  create?: object;
  update?: object;
  patch?: object;
  /** Methods the service offers; custom ones are called as POST with X-Service-Method. */
  methods: string[];
}

/**
 * Feathers' REST query parsing (qs, as koa-qs does): `$sort[created_at]=-1`, `id[$in][]=1`.
 * qs's own limit (1000 parameters) stays, but refused aloud: dropping the parameters past it, as
 * qs does by default, would silently shorten an `$in` list and answer a different query.
 */
const QS_OPTIONS = { depth: 8, arrayLimit: 1000, parameterLimit: 1000, throwOnLimitExceeded: true };

function parseQueryString(raw: string): Record<string, unknown> {
  if (raw === '') return {};
  try {
    return parseQs(raw, QS_OPTIONS) as Record<string, unknown>;
  } catch {
    throw new BadRequest('Too many query parameters');
  }
}

/** Fastify validates nothing on these routes: each service validates, on both transports alike. */
const noValidation = () => () => true;

export function callParams(ctx: FeathersContext, req: FastifyRequest, signIn = false): CallParams {
  const token = tokenOfHeader(header(req, 'authorization'));
  return {
    provider: 'rest',
    query: parseQueryString(rawQuery(req)),
    authentication: token ? { strategy: 'jwt', accessToken: token } : undefined,
    ip: req.ip,
    userAgent: header(req, 'user-agent'),
    // Only a sign-in needs the device (the throttle's trusted-device counter).
    device: signIn ? deviceOf(ctx.core, req) : undefined,
  };
}

type Method = (...args: unknown[]) => Promise<unknown>;

/**
 * Feathers v5 REST (as @feathersjs/koa maps it): `find GET /svc`, `get GET /svc/:id`,
 * `create POST /svc` (201), `update PUT /svc/:id`, `patch PATCH /svc/:id`,
 * `remove DELETE /svc/:id`, custom methods as `POST /svc` with `X-Service-Method: <name>` (200).
 * Calls go through the Feathers app, so hooks and real-time events run as for socket calls.
 */
export function restRoutes(http: FastifyInstance, ctx: FeathersContext, path: string, doc: RestDoc): void {
  const service = ctx.app.service(path) as unknown as Record<string, Method>;
  const methods = getServiceOptions(service)?.methods ?? [];
  const run = async (req: FastifyRequest, reply: FastifyReply, method: string, args: (p: CallParams) => unknown[]) => {
    if (!methods.includes(method)) throw new MethodNotAllowed(`Method \`${method}\` is not supported by this endpoint.`);
    const params = callParams(ctx, req, path === 'authentication');
    const result = await (service[method] as Method)(...args(params));
    if (path === 'authentication' && method === 'create' && params.device) trustDevice(ctx.core, reply, params.device);
    reply.code(method === 'create' ? 201 : 200);
    return result;
  };
  const tags = ['feathers'];
  const schema = (summary: string, extra: FastifySchema = {}): { schema: FastifySchema; validatorCompiler: typeof noValidation } => ({
    schema: { tags, summary: `${doc.summary}: ${summary}`, ...extra },
    validatorCompiler: noValidation,
  });
  const custom = doc.methods.filter((m) => !(defaultServiceMethods as string[]).includes(m));
  const id = { params: { type: 'object', properties: { id: { type: 'string' } } } };

  http.get(`/${path}`, schema('find'), (req, reply) => run(req, reply, 'find', (p) => [p]));
  http.post(
    `/${path}`,
    schema(custom.length ? `create, or a custom method (${custom.join(', ')}) named by X-Service-Method` : 'create', { body: doc.create ?? {} }),
    (req, reply) => {
      const override = header(req, 'x-service-method');
      if (override === undefined) return run(req, reply, 'create', (p) => [req.body ?? {}, p]);
      if ((defaultServiceMethods as string[]).includes(override) || !custom.includes(override)) throw new MethodNotAllowed(`Method \`${override}\` is not supported by this endpoint.`);
      return run(req, reply, override, (p) => [req.body ?? {}, p]).then((r) => {
        reply.code(200);
        return r;
      });
    },
  );
  http.put(`/${path}`, schema('replace many (refused)'), async () => {
    throw new BadRequest("You can not replace multiple instances. Did you mean 'patch'?");
  });
  http.patch(`/${path}`, schema('patch many (refused)'), (req, reply) => run(req, reply, 'patch', (p) => [null, req.body ?? {}, p]));
  http.delete(`/${path}`, schema('remove many (refused)'), (req, reply) => run(req, reply, 'remove', (p) => [null, p]));
  const idOf = (req: FastifyRequest) => (req.params as { id: string }).id;
  http.get(`/${path}/:id`, schema('get', id), (req, reply) => run(req, reply, 'get', (p) => [idOf(req), p]));
  http.put(`/${path}/:id`, schema('update', { ...id, body: doc.update ?? {} }), (req, reply) => run(req, reply, 'update', (p) => [idOf(req), req.body ?? {}, p]));
  http.patch(`/${path}/:id`, schema('patch', { ...id, body: doc.patch ?? {} }), (req, reply) => run(req, reply, 'patch', (p) => [idOf(req), req.body ?? {}, p]));
  http.delete(`/${path}/:id`, schema('remove', id), (req, reply) => run(req, reply, 'remove', (p) => [idOf(req), p]));
}
