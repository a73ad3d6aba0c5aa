import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Core } from '../core/index.js';
import { bodyAjv, nulError } from './validation.js';
import { arcErrorHandler } from './arc/errors.js';
import { declaredBodiesOnly } from './arc/media-type.js';
import { arcLogin } from './arc/login-routes.js';
import * as Arc from './arc/schemas.js';
import { basicErrorHandler } from './basic/errors.js';
import { basicLogin } from './basic/routes.js';
import * as Basic from './basic/schemas.js';

const validArc = bodyAjv.compile(Arc.LoginRequest);
const validBasic = bodyAjv.compile(Basic.LoginBody);

/** basic's flow is a body with `email` and no `client_id`; everything else is ARC's web flow. */
const isBasic = (body: unknown) => typeof body === 'object' && body !== null && 'email' in body && !('client_id' in body);

function validationError(errors: typeof validArc.errors): FastifyError {
  const e = new Error('body is invalid') as FastifyError;
  e.validation = (errors ?? []) as FastifyError['validation'];
  e.validationContext = 'body';
  e.statusCode = 400;
  return e;
}

/** POST /auth/login belongs to both `arc` and `basic`; the body decides which one answers. */
export async function sharedLogin(app: FastifyInstance, opts: { core: Core }) {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) =>
    isBasic(req.body) ? basicErrorHandler(err, req, reply) : arcErrorHandler(err, req, reply),
  );
  // A body that is not JSON has no fields to tell the dialects apart: it gets ARC's 415, as before.
  declaredBodiesOnly(app, { untypedAsJson: false });
  app.post(
    '/auth/login',
    {
      schema: {
        tags: ['arc', 'basic'],
        summary: 'ARC web-flow step 1 (client_id… → {code}) or basic sign-in (email → tokens)',
        body: Type.Union([Arc.LoginRequest, Basic.LoginBody]),
        response: { 200: Type.Union([Arc.CodeResponse, Basic.AuthResponse]), 400: Type.Unknown(), 401: Type.Unknown(), 415: Type.Unknown(), 422: Type.Unknown(), 429: Type.Unknown() },
      },
      // Each branch is validated by its own dialect's rules below.
      validatorCompiler: () => () => true,
    },
    async (req, reply) => {
      // PostgreSQL cannot hold U+0000: refused in both branches before anything is looked up.
      if (isBasic(req.body)) {
        if (!validBasic(req.body)) throw validationError(validBasic.errors);
        const nul = nulError(req.body);
        if (nul) throw validationError([nul]);
        return basicLogin(opts.core, req.body as Basic.LoginBody, req, reply);
      }
      if (!validArc(req.body ?? {})) throw validationError(validArc.errors);
      const nul = nulError(req.body);
      if (nul) throw validationError([nul]);
      return arcLogin(opts.core, req.body as Arc.LoginRequest, req, reply);
    },
  );
}
