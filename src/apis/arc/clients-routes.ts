import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Core } from '../../core/index.js';
import type { Client, ClientFields } from '../../core/clients.js';
import { PERMISSIONS } from '../../core/rbac/permissions.js';
import { FilterError, type Filter } from '../../core/filter.js';
import { rawQuery } from '../request-info.js';
import { ArcError, arcFail, fromCore, invalidData } from './errors.js';
import { InvalidParamError, parseFilterParam, parseWhereParam } from './filter-query.js';
import { integerIdParam } from './params.js';
import { requirePermission } from './session.js';
import * as S from './schemas.js';

/** The entity as LoopBack serialises it, secrets included (the spec returns them to admins). */
function entity(c: Client): Record<string, unknown> {
  const e: Record<string, unknown> = {
    deleted: false,
    createdOn: new Date(c.createdOn).toISOString(),
    modifiedOn: new Date(c.modifiedOn).toISOString(),
    id: c.id,
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    secret: c.secret,
    redirectUrl: c.redirectUrl ?? undefined,
    accessTokenExpiration: c.accessTokenExpiration,
    refreshTokenExpiration: c.refreshTokenExpiration,
    authCodeExpiration: c.authCodeExpiration,
  };
  if (e.redirectUrl === undefined) delete e.redirectUrl;
  return e;
}

function project(e: Record<string, unknown>, fields: Filter['fields']): Record<string, unknown> {
  if (!fields) return e;
  const list = Array.isArray(fields) ? Object.fromEntries(fields.map((f) => [f, true])) : fields;
  const included = Object.entries(list).filter(([, v]) => v).map(([k]) => k);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (included.length ? included.includes(k) : list[k] !== false) out[k] = v;
  }
  return out;
}

function fields(body: Partial<Static<typeof S.AuthClientFull>>): Partial<ClientFields> {
  const { clientId, clientSecret, secret, redirectUrl, accessTokenExpiration, refreshTokenExpiration, authCodeExpiration } = body;
  const f: Partial<ClientFields> = { clientId, clientSecret, secret, redirectUrl, accessTokenExpiration, refreshTokenExpiration, authCodeExpiration };
  for (const k of Object.keys(f) as (keyof ClientFields)[]) if (f[k] === undefined) delete f[k];
  return f;
}

const badFilter = (e: unknown): never => {
  if (e instanceof InvalidParamError) throw invalidData(e.raw, e.param);
  if (e instanceof FilterError) throw new ArcError(400, `Invalid filter: ${e.message}`, { code: 'INVALID_PARAMETER_VALUE' });
  throw e;
};
function whereOf(req: FastifyRequest) {
  try {
    return parseWhereParam(rawQuery(req));
  } catch (e) {
    return badFilter(e);
  }
}
function filterOf(req: FastifyRequest): Filter {
  try {
    return parseFilterParam(rawQuery(req)) ?? {};
  } catch (e) {
    return badFilter(e);
  }
}
const notFound = (id: number): never => arcFail(404, ` auth_clients with id ${id}`, { name: 'Error', code: 'ENTITY_NOT_FOUND' });
const errs = { 400: S.ErrorBody, 401: S.ErrorBody, 403: S.ErrorBody, 404: S.ErrorBody, 409: S.ErrorBody, 422: S.ErrorBody };
const tags = ['arc'];

/** `/auth-clients`, LoopBack REST CRUD guarded by the literal permission `NotAllowed`. */
export function clientsRoutes(app: FastifyInstance, core: Core) {
  const admin = (req: FastifyRequest) => requirePermission(core, req, PERMISSIONS.manageClients);

  app.post<{ Body: Static<typeof S.AuthClientNew> }>('/auth-clients', { schema: { security: S.BEARER, tags, summary: 'Create an auth client', body: S.AuthClientNew, response: { 200: S.AuthClient, ...errs } } }, async (req) => {
    admin(req);
    const c = await core.clients.create(fields(req.body) as ClientFields).catch((e: unknown) => fromCore(e, {}));
    return entity(c);
  });

  app.get('/auth-clients', { schema: { security: S.BEARER, tags, summary: 'List auth clients (LoopBack filter)', querystring: S.FilterQuery, response: { 200: { type: 'array', items: S.AnyObject }, ...errs } } }, async (req) => {
    admin(req);
    const filter = filterOf(req);
    const list = await core.clients.find(filter).catch(badFilter);
    return list.map((c) => project(entity(c), filter.fields));
  });

  app.get('/auth-clients/count', { schema: { security: S.BEARER, tags, summary: 'Count auth clients (LoopBack where)', querystring: S.WhereQuery, response: { 200: S.CountResponse, ...errs } } }, async (req) => {
    admin(req);
    return { count: await core.clients.count(whereOf(req)).catch(badFilter) };
  });

  app.patch<{ Body: Static<typeof S.AuthClientPartial> }>(
    '/auth-clients',
    { schema: { security: S.BEARER, tags, summary: 'Update every auth client matching `where`', querystring: S.WhereQuery, body: S.AuthClientPartial, response: { 200: S.CountResponse, ...errs } } },
    async (req) => {
      admin(req);
      const count = await core.clients.updateWhere(whereOf(req), fields(req.body)).catch(badFilter).catch((e: unknown) => fromCore(e, {}));
      return { count };
    },
  );

  app.get<{ Params: Static<typeof S.IdParam> }>('/auth-clients/:id', { preValidation: integerIdParam, schema: { security: S.BEARER, tags, summary: 'One auth client', params: S.IdParam, response: { 200: S.AnyObject, ...errs } } }, async (req) => {
    admin(req);
    const filter = filterOf(req);
    const c = await core.clients.byId(req.params.id);
    if (!c) return arcFail(404, 'EntityNotFound');
    return project(entity(c), filter.fields);
  });

  app.patch<{ Params: Static<typeof S.IdParam>; Body: Static<typeof S.AuthClientPartial> }>(
    '/auth-clients/:id',
    { preValidation: integerIdParam, schema: { security: S.BEARER, tags, summary: 'Update an auth client', params: S.IdParam, body: S.AuthClientPartial, response: { 204: { type: 'null' }, ...errs } } },
    async (req, reply) => {
      admin(req);
      if (!(await core.clients.update(req.params.id, fields(req.body)).catch((e: unknown) => fromCore(e, {})))) return notFound(req.params.id);
      return reply.code(204).send();
    },
  );

  app.put<{ Params: Static<typeof S.IdParam>; Body: Static<typeof S.AuthClientFull> }>(
    '/auth-clients/:id',
    { preValidation: integerIdParam, schema: { security: S.BEARER, tags, summary: 'Replace an auth client', params: S.IdParam, body: S.AuthClientFull, response: { 204: { type: 'null' }, ...errs } } },
    async (req, reply) => {
      admin(req);
      const f = fields(req.body) as ClientFields;
      f.redirectUrl = req.body.redirectUrl ?? null;
      if (!(await core.clients.update(req.params.id, f).catch((e: unknown) => fromCore(e, {})))) return notFound(req.params.id);
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: Static<typeof S.IdParam> }>(
    '/auth-clients/:id',
    { preValidation: integerIdParam, schema: { security: S.BEARER, tags, summary: 'Delete an auth client (soft delete)', params: S.IdParam, response: { 204: { type: 'null' }, ...errs } } },
    async (req, reply) => {
      const { claims } = admin(req);
      if (!(await core.clients.remove(req.params.id, String(claims.id)))) return notFound(req.params.id);
      return reply.code(204).send();
    },
  );
}
