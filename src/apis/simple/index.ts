import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaCompiler, preValidationHookHandler } from 'fastify';
import type { Core } from '../../core/index.js';
import { simpleErrorHandler } from './errors.js';
import { accountRoutes } from './account-routes.js';
import { localRoutes } from './local-routes.js';
import { accountSessionsRoutes } from './account-sessions-routes.js';
import { authRoutes } from './auth-routes.js';
import { oauth2Routes } from './oauth2-routes.js';
import { resolveContinueUrl, rootRoutes } from './root-routes.js';
import { oidcRoutes } from './oidc-routes.js';
import { EchoError } from './errors.js';
import { checkCsrf, correlationId, countSecretGuess, privateAuth, publicAuth, sharedKeyState, type Caller } from './http.js';
import type { Config } from '../../config/index.js';
import { emptyBodyValidatorCompiler } from '../validation.js';
import { addFormParser } from '../shared/form.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** simple-auth's middleware chain of the route: `public` (CSRF or SharedKey) or `private` (session or SharedKey + account). */
    simpleAuth?: 'public' | 'private';
    /** Settings that must all be on for the route to exist (the original mounts it only then). */
    simpleWhen?: (keyof Config)[];
  }
  interface FastifyRequest {
    simpleCaller?: Caller;
  }
}

/**
 * echo binds the first value of a repeated query parameter (`?forward=1&forward=1`), where
 * Fastify's parser makes an array that a string schema refuses. Routes with a query schema have
 * their query collapsed here, as part of the validation they run anyway, so no route pays for a
 * hook; `bind` (./http.ts) does the same for the fields that routes without one read.
 */
const firstQueryValues: FastifySchemaCompiler<unknown> = (route) => {
  const check = emptyBodyValidatorCompiler(route) as ((data: unknown) => unknown) & { errors?: unknown };
  if (route.httpPart !== 'querystring') return check as ReturnType<FastifySchemaCompiler<unknown>>;
  const validate = (query: unknown) => {
    if (query !== null && typeof query === 'object') {
      const q = query as Record<string, unknown>;
      for (const k in q) {
        const v = q[k];
        if (Array.isArray(v)) q[k] = v[0];
      }
    }
    return check(query);
  };
  Object.defineProperty(validate, 'errors', { get: () => check.errors });
  return validate as unknown as ReturnType<FastifySchemaCompiler<unknown>>;
};

/** simple-auth's `X-Correlation-ID` on every response of a scope. */
function tagResponses(scope: FastifyInstance): void {
  // Callback hooks here and below: an async hook costs a promise and a microtask per request,
  // which forward-auth (a map lookup otherwise) feels.
  scope.addHook('onRequest', (_req, reply, done) => {
    reply.header('x-correlation-id', correlationId());
    done();
  });
}

/** The zix99/simple-auth dialect: `/api/v1/*`, plus `/`, `/oauth2`, `/onetime`, `/oidc/*` at the root. */
/** What the hosted pages (src/web) take from simple-auth: its CSRF token and its continue-URL rules. */
export function simplePageSupport(core: Core) {
  return {
    csrf: (req: FastifyRequest, reply: FastifyReply) => checkCsrf(req, reply),
    continueUrl: (asked: string) => resolveContinueUrl(core, asked),
  };
}

export async function simpleDialect(app: FastifyInstance, opts: { core: Core }) {
  await app.register(
    async (v1) => {
      tagResponses(v1);
      // Form bodies are accepted where the original has form tags (token, token_info, simple,
      // onetime); Go's url.Values binding reads the first of repeated fields.
      addFormParser(v1, 'first');
      v1.setErrorHandler(simpleErrorHandler);
      // The original binds a missing body as an empty one (its handlers then name the missing
      // field), and the first of repeated query parameters.
      v1.setValidatorCompiler(firstQueryValues);
      v1.setNotFoundHandler((_req, reply) => reply.code(404).send({ message: 'Not Found' }));
      // The original's middleware runs before binding: a disabled route is 404, then CSRF / auth, then the body.
      const middleware = async (req: FastifyRequest, reply: FastifyReply, auth: 'public' | 'private') => {
        if (sharedKeyState(opts.core, req) === 'invalid') await countSecretGuess(opts.core, req);
        if (auth === 'public') publicAuth(opts.core, req, reply);
        else req.simpleCaller = await privateAuth(opts.core, req, reply);
      };
      // Attached per route, and only where there is something to do: the configuration is fixed
      // at start, so forward-auth (enabled, no middleware) runs no hook at all.
      v1.addHook('onRoute', (route) => {
        const cfg = route.config ?? {};
        const disabled = cfg.simpleWhen?.some((k) => !opts.core.config[k]) ?? false;
        const auth = cfg.simpleAuth;
        if (!disabled && !auth) return;
        const hook: preValidationHookHandler = (req, reply, done) => {
          if (disabled) return done(new EchoError(404, 'Not Found'));
          if (!auth) return done();
          middleware(req, reply, auth).then(() => done(), done);
        };
        const own = route.preValidation;
        route.preValidation = own === undefined ? hook : Array.isArray(own) ? [hook, ...own] : [hook, own];
      });
      accountRoutes(v1, opts.core);
      localRoutes(v1, opts.core);
      accountSessionsRoutes(v1, opts.core);
      authRoutes(v1, opts.core);
      await v1.register(async (o) => oauth2Routes(o, opts.core));
    },
    { prefix: '/api/v1' },
  );
  await app.register(async (root) => {
    tagResponses(root);
    rootRoutes(root, opts.core);
  });
  // External providers (§7) at the root, answering in the v1 envelope as the original did.
  await app.register(async (oidc) => {
    tagResponses(oidc);
    oidc.setErrorHandler(simpleErrorHandler);
    oidcRoutes(oidc, opts.core);
  });
}
