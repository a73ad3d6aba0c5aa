import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { FeathersError } from '@feathersjs/errors';
import { CoreError } from '../../../core/errors.js';
import { lockout, setRetryAfter } from '../../shared/lockout.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `/otp`, `/verify`, `/recover`: the message for a body that fails the route's schema (a union's errors read badly). */
    codeBodyRule?: string;
  }
}

/** A 4xx of these routes that core does not raise (a malformed path value). */
export class CodeRouteError extends Error {
  constructor(
    public readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Core failures of the code checks, as these routes word them. */
function fromCore(e: CoreError): { status: number; message: string } {
  switch (e.code) {
    case 'invalid_credentials':
    case 'token_expired':
    case 'token_invalid':
    case 'token_revoked':
      return { status: 401, message: 'Invalid code' };
    case 'code_expired':
      return { status: 401, message: 'Code expired' };
    case 'totp_missing':
      return { status: 401, message: 'This account also needs a current TOTP code (totp)' };
    case 'totp_failed':
      return { status: 401, message: 'Invalid TOTP code' };
    default:
      // invalid_input ("SMS is not configured", a password rule), password_same: the caller's to fix.
      return { status: 400, message: e.message };
  }
}

/**
 * The spec's error body for `/otp`, `/verify` and `/recover`: `{"error": "<message>"}`, not the
 * Feathers error object of the services. Bad input 400, a wrong or expired code 401, too many
 * failed checks 429 with `Retry-After`; a fault of ours 500 without details (logged).
 */
export function codeRoutesErrorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
  const locked = lockout(err);
  if (locked) {
    setRetryAfter(reply, locked.retryAfter);
    return reply.code(locked.status).send({ error: locked.message });
  }
  if (err instanceof CoreError) {
    const { status, message } = fromCore(err);
    return reply.code(status).send({ error: message });
  }
  if (err instanceof CodeRouteError) return reply.code(err.status).send({ error: err.message });
  if (err instanceof FeathersError && err.code < 500) return reply.code(err.code).send({ error: err.message });
  const fe = err as FastifyError;
  if (fe.validation) {
    const rule = req.routeOptions.config.codeBodyRule;
    return reply.code(400).send({ error: rule && fe.validationContext === 'body' ? rule : fe.message });
  }
  // Fastify's own refusals: bad JSON, a wrong media type, a body too large.
  if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) return reply.code(fe.statusCode).send({ error: fe.message });
  req.log.error({ err }, 'code route failed');
  return reply.code(500).send({ error: 'Internal error' });
}
