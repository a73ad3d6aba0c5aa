import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BadRequest, type FeathersError } from '@feathersjs/errors';
import { addFormParser } from '../../shared/form.js';
import { header } from '../../request-info.js';
import type { FeathersContext } from '../context.js';
import { startSession } from '../authentication/issue.js';
import { appUrls, withFragment } from './app-url.js';
import { federationFailure, oauthError } from './errors.js';
import { boundState, clearBoundState, setBoundState } from './state-cookie.js';

const tags = ['feathers', 'oauth'];
/** Provider ids are path segments: anything else is no provider (and never reaches the engine). */
const PROVIDER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const providerParam = { type: 'object', properties: { provider: { type: 'string' } } } as const;
/** What a provider's form_post carries that the callback reads (Apple sends `user` once, with the name). */
const FORM_POST_FIELDS = ['code', 'state', 'iss', 'error', 'error_description', 'user'] as const;
/** Browsers and proxies refuse longer URLs; no legitimate answer comes near. */
const MAX_REDIRECT = 8192;
/** Documentation only: these routes read their input themselves and answer in their own way. */
const noValidation = () => () => true;

/** A request's string parameters (query or form body); repeated or structured values count as absent. */
function stringsOf(src: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (!src || typeof src !== 'object') return out;
  for (const [k, v] of Object.entries(src as Record<string, unknown>)) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * Social sign-in for Feathers apps (`@feathersjs/authentication-oauth`'s paths):
 * `GET /oauth/:provider?app_url=<url>` (or `redirect=`) sends the browser to the provider, and
 * `GET|POST /oauth/:provider/callback` signs the person in and sends the browser back to the app
 * with `#access_token=<jwt>`, which `@feathersjs/authentication-client` picks up, or with
 * `#error=<message>`. The app URL must be on FEATHERS_OAUTH_APP_URLS (no open redirect), and the
 * state is bound to the browser by a cookie (no login CSRF).
 */
export function oauthRoutes(http: FastifyInstance, ctx: FeathersContext): void {
  const core = ctx.core;
  const allow = appUrls(core.config.feathersOAuthAppUrls);
  const publicUrl = core.config.publicUrl.replace(/\/+$/, '');
  const secure = publicUrl.startsWith('https:');

  /** A failure: back to the app with `#error=` when the app is known, else the JSON envelope. */
  const fail = (reply: FastifyReply, e: unknown, appUrl: string | undefined) => {
    const fe: FeathersError = oauthError(e);
    if (fe.code >= 500) core.log.error({ err: e }, 'feathers oauth failed');
    else core.log.info({ reason: e instanceof Error ? e.message : String(e) }, 'feathers oauth refused');
    if (appUrl && fe.code < 500) return reply.redirect(withFragment(appUrl, { error: fe.message }), 302);
    return reply.code(fe.code).send(fe.toJSON());
  };

  void http.register(async (scope) => {
    // Sign in with Apple answers by form_post.
    addFormParser(scope, 'first');

    scope.get('/oauth/:provider', { schema: { tags, summary: 'Feathers: start a social sign-in; 302 to the provider', params: providerParam }, validatorCompiler: noValidation }, async (req, reply) => {
      const provider = (req.params as { provider: string }).provider;
      const q = stringsOf(req.query);
      const asked = q.app_url ?? q.redirect;
      const appUrl = asked === undefined ? allow.fallback : allow.check(asked);
      try {
        if (!appUrl) return fail(reply, new BadRequest('app_url is not an allowed return URL (FEATHERS_OAUTH_APP_URLS)'), undefined);
        if (!PROVIDER_ID.test(provider) || !(await core.federation.has(provider))) return fail(reply, federationFailure('provider_unknown'), undefined);
        const redirectUri = `${publicUrl}/oauth/${provider}/callback`;
        const started = await core.federation.start({ provider, redirectUri, context: { appUrl }, ip: req.ip });
        setBoundState(reply, { state: started.state, provider, appUrl }, { secure, seconds: core.config.federationStateSeconds });
        return reply.redirect(started.url, 302);
      } catch (e) {
        // Nothing was bound to the browser yet: the app has nothing to pick up, so answer here.
        return fail(reply, e, undefined);
      }
    });

    const callback = async (req: FastifyRequest, reply: FastifyReply, params: Record<string, string | undefined>) => {
      const provider = (req.params as { provider: string }).provider;
      const bound = boundState(req);
      clearBoundState(reply, secure);
      if (!bound || bound.provider !== provider) return fail(reply, federationFailure('state_invalid'), undefined);
      // Until the engine hands back the flow's own, the cookie's app URL (if still allowed) takes errors back to the app.
      let appUrl = allow.check(bound.appUrl);
      try {
        const finished = await core.federation.finish({ provider, params, browserState: bound.state });
        appUrl = allow.check(finished.context.appUrl);
        if (!appUrl) return fail(reply, federationFailure('state_invalid'), undefined);
        // A blocked account is refused by resolve (user_inactive → 401 Invalid login).
        const { account } = await core.federation.resolve(finished.profile, { signup: core.config.feathersSignupEnabled, dialect: 'feathers', ip: req.ip });
        const result = await startSession(ctx, account, provider, { provider: 'rest', ip: req.ip, userAgent: header(req, 'user-agent') });
        return reply.redirect(withFragment(appUrl, { access_token: result.accessToken }), 302);
      } catch (e) {
        return fail(reply, e, appUrl);
      }
    };

    scope.get('/oauth/:provider/callback', { schema: { tags, summary: 'Feathers: social sign-in callback; 302 to the app with #access_token or #error', params: providerParam }, validatorCompiler: noValidation }, (req, reply) =>
      callback(req, reply, stringsOf(req.query)),
    );
    // form_post (Apple): a cross-site POST carries no SameSite=Lax cookie, so the answer is sent
    // again as a top-level GET, which does; with the cookie already here it is finished at once.
    scope.post('/oauth/:provider/callback', { schema: { tags, summary: 'Feathers: social sign-in callback by form_post (Apple)', params: providerParam }, validatorCompiler: noValidation }, async (req, reply) => {
      const params = stringsOf(req.body);
      if (boundState(req)) return callback(req, reply, params);
      const provider = (req.params as { provider: string }).provider;
      if (!PROVIDER_ID.test(provider)) return fail(reply, federationFailure('provider_unknown'), undefined);
      const query = new URLSearchParams();
      for (const k of FORM_POST_FIELDS) if (params[k] !== undefined) query.set(k, params[k]);
      const url = `${publicUrl}/oauth/${encodeURIComponent(provider)}/callback?${query.toString()}`;
      if (url.length > MAX_REDIRECT) return fail(reply, new BadRequest('The callback fields are too long'), undefined);
      return reply.redirect(url, 303);
    });
  });
}
