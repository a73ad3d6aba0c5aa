import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { lockout, setRetryAfter } from '../shared/lockout.js';
import { isUnavailable, UNAVAILABLE_RETRY_AFTER_S } from '../../core/errors.js';

/** basic's envelope: `{"error": "<message>"}`; validation failures are ZodError-shaped with `status`. */
export class BasicError extends Error {
  constructor(
    public readonly status: number,
    message: string,
    public readonly retryAfter?: number,
  ) {
    super(message);
  }
}
export const basicFail = (status: number, message: string): never => {
  throw new BasicError(status, message);
};

type Issue = { code: string; path: (string | number)[]; message: string };
export class BasicValidationError extends Error {
  constructor(public readonly issues: Issue[]) {
    super('validation failed');
  }
}

export function issuesFrom(validation: NonNullable<FastifyError['validation']>, part: string): Issue[] {
  return validation.map((v) => {
    const path = [part, ...v.instancePath.split('/').filter(Boolean)];
    if (v.keyword === 'required') path.push(String((v.params as { missingProperty?: string }).missingProperty));
    if (v.keyword === 'additionalProperties') path.push(String((v.params as { additionalProperty?: string }).additionalProperty));
    return { code: v.keyword === 'required' || v.keyword === 'type' ? 'invalid_type' : v.keyword === 'additionalProperties' ? 'unrecognized_keys' : 'custom', path, message: v.message ?? 'Invalid' };
  });
}

export function basicErrorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof BasicValidationError) return reply.code(400).send({ error: { issues: err.issues, name: 'ZodError' }, status: 400 });
  if (err instanceof BasicError) {
    setRetryAfter(reply, err.retryAfter);
    return reply.code(err.status).send({ error: err.message });
  }
  const locked = lockout(err);
  if (locked) {
    setRetryAfter(reply, locked.retryAfter);
    return reply.code(locked.status).send({ error: locked.message });
  }
  const fe = err as FastifyError;
  if (fe.validation) return reply.code(400).send({ error: { issues: issuesFrom(fe.validation, fe.validationContext ?? 'body'), name: 'ZodError' }, status: 400 });
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return reply.code(fe.statusCode).send({ error: fe.message });
  if (isUnavailable(err)) {
    req.log.warn({ err: err.message }, 'store unavailable');
    setRetryAfter(reply, UNAVAILABLE_RETRY_AFTER_S);
    return reply.code(503).send({ error: 'Service Unavailable' });
  }
  req.log.error({ err }, 'unhandled error');
  return reply.code(500).send({ error: 'Internal Server Error' });
}
