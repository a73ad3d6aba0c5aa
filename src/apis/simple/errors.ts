import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CoreError, isUnavailable, UNAVAILABLE_RETRY_AFTER_S, type CoreErrorCode } from '../../core/errors.js';
import { lockout, setRetryAfter } from '../shared/lockout.js';

/** simple-auth's v1 envelope: `{"error":true,"message","reason"}`. */
export class SimpleError extends Error {
  constructor(
    public readonly status: number,
    public readonly reason: string,
    message: string = reason,
    public readonly opts: { retryAfter?: number; cause?: boolean } = {},
  ) {
    super(message);
  }
}
export const simpleFail = (status: number, reason: string, message?: string, opts?: SimpleError['opts']): never => {
  throw new SimpleError(status, reason, message, opts);
};

/** echo's own HTTP errors (CSRF, 404, 405) in production mode: `{"message"}` only. */
export class EchoError extends Error {
  constructor(
    public readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Core failures in simple-auth's reason codes. */
const CORE: Partial<Record<CoreErrorCode, [number, string]>> = {
  invalid_credentials: [401, 'invalid-credentials'],
  missing_credentials: [400, 'bad-request'],
  totp_missing: [401, 'totp-missing'],
  totp_failed: [401, 'totp-failed'],
  stipulations: [401, 'unsatisfied-stipulations'],
  user_inactive: [401, 'inactive-account'],
  invalid_input: [400, 'bad-request'],
  token_invalid: [401, 'invalid-token'],
  token_expired: [401, 'expired'],
  password_incorrect: [401, 'invalid-credentials'],
};

/**
 * The reason of a refused sign-in where the answer carries a reason only (the OAuth2 password
 * grant's `error_description`): the table's reason for a 401, else `invalid-credentials`, so a
 * missing login or password reads as invalid credentials there.
 */
export function reasonOf(code: CoreErrorCode): string {
  const m = CORE[code];
  return m && m[0] === 401 ? m[1] : 'invalid-credentials';
}

export function toSimpleError(e: CoreError): SimpleError {
  const locked = lockout(e);
  if (locked) return new SimpleError(locked.status, 'too-many-requests', locked.message, { retryAfter: locked.retryAfter });
  const m = CORE[e.code];
  return m ? new SimpleError(m[0], m[1], m[1] === 'bad-request' || e.message === e.code ? e.message : m[1]) : new SimpleError(400, 'no-code', e.message);
}

/** The field a schema validation failure is about, and what is wrong with it. */
export function validationProblem(fe: FastifyError): { field: string; message: string } {
  const v = fe.validation?.[0];
  const field = v ? (v.keyword === 'required' ? String((v.params as { missingProperty?: string }).missingProperty) : v.instancePath.slice(1) || fe.validationContext) : 'body';
  return { field: field ?? 'body', message: v?.message ?? 'invalid' };
}

/** Bind and validation failures as the original reports them: 400 `bad-request`. */
export function bindError(fe: FastifyError): SimpleError | undefined {
  if (fe.validation) {
    const { field, message } = validationProblem(fe);
    return new SimpleError(400, 'bad-request', `Field validation for '${field}' failed: ${message}`);
  }
  if (fe.statusCode === 415) return new SimpleError(400, 'bad-request', 'code=415, message=Unsupported Media Type');
  if (fe.statusCode === 413) return new SimpleError(413, 'bad-request', 'code=413, message=Request Entity Too Large');
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return new SimpleError(400, 'bad-request', `code=400, message=${fe.message}`);
  return undefined;
}

export function simpleErrorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof EchoError) return reply.code(err.status).send({ message: err.message });
  let e: SimpleError | undefined;
  if (err instanceof SimpleError) e = err;
  else if (err instanceof CoreError) e = toSimpleError(err);
  else e = bindError(err as FastifyError);
  if (!e && isUnavailable(err)) {
    req.log.warn({ err: err.message }, 'store unavailable');
    e = new SimpleError(503, 'unavailable', 'service unavailable, try again shortly', { retryAfter: UNAVAILABLE_RETRY_AFTER_S });
  }
  if (!e) {
    req.log.error({ err }, 'unhandled error');
    e = new SimpleError(500, 'internal-error', 'internal error');
  }
  setRetryAfter(reply, e.opts.retryAfter);
  const body = e.opts.cause ? { cause: null, error: true, message: e.message, reason: e.reason } : { error: true, message: e.message, reason: e.reason };
  return reply.code(e.status).send(body);
}
