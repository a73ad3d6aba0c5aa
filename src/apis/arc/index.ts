import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/index.js';
import { arcErrorHandler } from './errors.js';
import { loginRoutes } from './login-routes.js';
import { logoutRoutes } from './logout-routes.js';
import { passwordRoutes } from './password-routes.js';
import { signupRoutes } from './signup-routes.js';
import { otpRoutes } from './otp-routes.js';
import { clientsRoutes } from './clients-routes.js';
import { socialRoutes } from './social-routes.js';
import { declaredBodiesOnly } from './media-type.js';
import { nulFreeValidatorCompiler } from '../validation.js';

/** The SourceFuse ARC authentication-service dialect, mounted at `/`. */
export async function arcDialect(app: FastifyInstance, opts: { core: Core }) {
  app.setErrorHandler(arcErrorHandler);
  declaredBodiesOnly(app, { untypedAsJson: true });
  app.setValidatorCompiler(nulFreeValidatorCompiler);
  loginRoutes(app, opts.core);
  logoutRoutes(app, opts.core);
  passwordRoutes(app, opts.core);
  signupRoutes(app, opts.core);
  otpRoutes(app, opts.core);
  clientsRoutes(app, opts.core);
  await app.register(async (child) => socialRoutes(child, opts.core));
}
