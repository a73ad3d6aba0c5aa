import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Core } from '../../core/index.js';
import { arcFail, fromCore } from './errors.js';
import { Type } from '@sinclair/typebox';
import * as S from './schemas.js';
import { addFormParser } from '../shared/form.js';

/** [provider, start path, GET start variant?, callback path] as in the spec. */
const PROVIDERS: [string, string, boolean, string][] = [
  ['google', '/auth/google', true, '/auth/google-auth-redirect'],
  ['facebook', '/auth/facebook', false, '/auth/facebook-auth-redirect'],
  ['instagram', '/auth/instagram', false, '/auth/instagram-auth-redirect'],
  ['keycloak', '/auth/keycloak', true, '/auth/keycloak-auth-redirect'],
  ['apple', '/auth/oauth-apple', false, '/auth/apple-oauth-redirect'],
];

/**
 * The social-login operations exist with the original's client check and content type
 * (form-encoded only); until social login is built they answer 400 "not configured".
 */
export async function socialRoutes(app: FastifyInstance, core: Core) {
  app.removeContentTypeParser('application/json');
  // LoopBack's body parser keeps the last of repeated fields.
  addFormParser(app, 'last');
  const notConfigured = (p: string): never => arcFail(400, `Social login provider ${p} is not configured`);
  const start = (p: string) => async (req: FastifyRequest) => {
    const src = (req.method === 'POST' ? req.body : req.query) as Record<string, unknown> | undefined;
    await core.clients.verify(String(src?.client_id ?? ''), String(src?.client_secret ?? ''), req.ip).catch((e: unknown) => fromCore(e, { client_invalid: [401, 'Client Invalid', true] }));
    return notConfigured(p);
  };
  const errs = { 400: S.ErrorBody, 401: S.ErrorBody, 415: S.ErrorBody, 422: S.ErrorBody };
  for (const [p, path, hasGet, callback] of PROVIDERS) {
    app.post(path, { schema: { tags: ['arc', 'social'], summary: `Start ${p} login (form-encoded client credentials)`, consumes: ['application/x-www-form-urlencoded'], body: S.ClientAuthForm, response: { 302: { type: 'null' }, ...errs } } }, start(p));
    if (hasGet) {
      app.get(path, { schema: { tags: ['arc', 'social'], summary: `Start ${p} login (deprecated query variant)`, querystring: Type.Partial(S.ClientAuthForm), response: { 302: { type: 'null' }, ...errs } } }, start(p));
    }
    app.get(callback, { schema: { tags: ['arc', 'social'], summary: `${p} login callback`, querystring: { type: 'object', properties: { code: { type: 'string' }, state: { type: 'string' } } }, response: { 302: { type: 'null' }, ...errs } } }, async () => notConfigured(p));
  }
}
