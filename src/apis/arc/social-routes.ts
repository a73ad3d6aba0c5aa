import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Core } from '../../core/index.js';
import { fromCore } from './errors.js';
import * as S from './schemas.js';
import { addFormParser } from '../shared/form.js';
import { ARC_PROVIDERS, type ArcProvider } from './social/providers.js';
import { callbackParams, socialCallback, socialErrors } from './social/callback.js';

/** Express's `res.redirect`, which the original answered with: 302, a text body naming the target. */
function found(reply: FastifyReply, url: string) {
  return reply.code(302).header('location', url).type('text/plain; charset=utf-8').send(`Found. Redirecting to ${url}`);
}

const CallbackQuery = Type.Object({ code: Type.Optional(Type.String()), state: Type.Optional(Type.String()) });
const redirect = (to: string) => ({ description: `Found: to ${to}`, type: 'string' }) as const;

/**
 * ARC's social logins (reference §6 "Social logins") on the federation engine: the start checks
 * the client (form-encoded only, as the original) and sends the browser to the provider with
 * `state` beginning `client_id=<id>`; the callback answers `302 <redirectUrl>?code=`, a code that
 * /auth/token exchanges like a local one.
 */
export async function socialRoutes(app: FastifyInstance, core: Core) {
  app.removeContentTypeParser('application/json');
  // LoopBack's body parser keeps the last of repeated fields.
  addFormParser(app, 'last');
  const base = core.config.publicUrl.replace(/\/+$/, '');

  const start = (p: ArcProvider) => async (req: FastifyRequest, reply: FastifyReply) => {
    const src = (req.method === 'POST' ? req.body : req.query) as Record<string, unknown> | undefined;
    const client = await core.clients.verify(String(src?.client_id ?? ''), String(src?.client_secret ?? ''), req.ip).catch((e: unknown) => fromCore(e, { client_invalid: [401, 'Client Invalid', true] }));
    const started = await core.federation
      // A fixed *_CALLBACK_URL of the provider's settings wins over this one.
      .start({ provider: p.id, redirectUri: `${base}${p.callback}`, context: { clientId: client.clientId }, statePrefix: { client_id: client.clientId }, ip: req.ip })
      .catch((e: unknown) => fromCore(e, socialErrors(p.id)));
    return found(reply, started.url);
  };
  const callback = (p: ArcProvider) => async (req: FastifyRequest, reply: FastifyReply) =>
    found(reply, await socialCallback(core, p, callbackParams(req.method === 'POST' ? req.body : req.query), req));

  const errs = { 400: S.ErrorBody, 401: S.ErrorBody, 415: S.ErrorBody, 422: S.ErrorBody, 429: S.ErrorBody };
  const tags = ['arc', 'social'];
  for (const p of ARC_PROVIDERS) {
    const toProvider = { 302: redirect(`the ${p.id} sign-in`), ...errs };
    app.post(p.start, { schema: { tags, summary: `Start ${p.id} login (form-encoded client credentials)`, consumes: ['application/x-www-form-urlencoded'], body: S.ClientAuthForm, response: toProvider } }, start(p));
    if (p.getStart) {
      app.get(p.start, { schema: { tags, summary: `Start ${p.id} login (deprecated query variant)`, querystring: Type.Partial(S.ClientAuthForm), response: toProvider } }, start(p));
    }
    const toClient = { 302: redirect("the client's redirectUrl with ?code="), ...errs };
    app.get(p.callback, { schema: { tags, summary: `${p.id} login callback`, querystring: CallbackQuery, response: toClient } }, callback(p));
    if (p.postCallback) {
      app.post(p.callback, { schema: { tags, summary: `${p.id} login callback (response_mode=form_post)`, consumes: ['application/x-www-form-urlencoded'], body: CallbackQuery, response: toClient } }, callback(p));
    }
  }
}
