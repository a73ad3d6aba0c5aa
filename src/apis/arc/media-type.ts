import type { FastifyInstance } from 'fastify';
import { allowedMediaTypes, unsupportedMediaType } from './errors.js';

/**
 * LoopBack's body rules (reference §1, step `parseParams`), for every route of one Fastify context:
 * - a body whose media type the operation does not declare answers 415 UNSUPPORTED_MEDIA_TYPE,
 *   before validation (Fastify's own text/plain parser would hand a string to the validator: 422);
 * - an operation that declares no body ignores whatever body comes;
 * - a body without a Content-Type is JSON, when `untypedAsJson` (LoopBack's default). The shared
 *   POST /auth/login passes false: basic's original never read such a body, so it keeps its 415.
 * Parsers registered later in a child context (the social routes' form parser) take precedence.
 */
export function declaredBodiesOnly(app: FastifyInstance, opts: { untypedAsJson: boolean }): void {
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    if (req.routeOptions.schema?.body === undefined) {
      done(null, undefined);
      return;
    }
    if (opts.untypedAsJson && req.headers['content-type'] === undefined && allowedMediaTypes(req).includes('application/json')) {
      json(req, body as string, done);
      return;
    }
    done(unsupportedMediaType(req), undefined);
  });
}
