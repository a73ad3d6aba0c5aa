import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/index.js';
import { basicErrorHandler } from './errors.js';
import { basicRoutes } from './routes.js';

/** The small Express "Authentication API" dialect, under `/auth`. */
export async function basicDialect(app: FastifyInstance, opts: { core: Core }) {
  app.setErrorHandler(basicErrorHandler);
  basicRoutes(app, opts.core);
}
