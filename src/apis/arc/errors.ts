import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CoreError } from '../../core/errors.js';

const NAMES: Record<number, string> = {
  400: 'BadRequestError',
  401: 'UnauthorizedError',
  403: 'ForbiddenError',
  404: 'NotFoundError',
  409: 'ConflictError',
  413: 'PayloadTooLargeError',
  415: 'UnsupportedMediaTypeError',
  422: 'UnprocessableEntityError',
  429: 'TooManyRequestsError',
};

/**
 * An ARC error: `{"error":{"statusCode","name","message"}}`. `nested` reproduces the original's
 * `message: {message}` for failures raised inside its passport verifiers.
 */
export class ArcError extends Error {
  constructor(
    public readonly status: number,
    message: string,
    public readonly opts: { nested?: boolean; name?: string; code?: string; details?: unknown[]; retryAfter?: number } = {},
  ) {
    super(message);
  }
  body() {
    const error: Record<string, unknown> = {
      statusCode: this.status,
      name: this.opts.name ?? NAMES[this.status] ?? 'Error',
      message: this.opts.nested ? { message: this.message } : this.message,
    };
    if (this.opts.code) error.code = this.opts.code;
    if (this.opts.details) error.details = this.opts.details;
    return { error };
  }
}

export const arcFail = (status: number, message: string, opts?: ArcError['opts']): never => {
  throw new ArcError(status, message, opts);
};

/** Per-endpoint translation of core failures: code → [status, message, nested]. */
export type CoreMap = Partial<Record<CoreError['code'], [number, string, boolean?]>>;

export function fromCore(e: unknown, map: CoreMap): never {
  if (e instanceof CoreError) {
    if (e.code === 'locked') throw new ArcError(429, 'Too many failed attempts, try again later', { retryAfter: e.detail.retryAfter });
    const m = map[e.code];
    if (m) throw new ArcError(m[0], m[1], { nested: m[2] ?? false });
    if (e.code === 'taken') throw new ArcError(409, `Unique constraint violation error ! ${e.message}`);
    if (e.code === 'invalid_input') throw new ArcError(422, e.message, { code: 'VALIDATION_FAILED' });
  }
  throw e;
}

/** LoopBack's AJV-6 wording and dotted paths, from Fastify's AJV-8 errors. */
function details(errors: FastifyError['validation']) {
  return (errors ?? []).map((e) => ({
    path: e.instancePath.replace(/\//g, '.'),
    code: e.keyword,
    message: (e.message ?? '').replace(/^must/, 'should'),
    info: e.params,
  }));
}

export function arcErrorHandler(err: FastifyError | ArcError | Error, req: FastifyRequest, reply: FastifyReply) {
  let e: ArcError;
  if (err instanceof ArcError) e = err;
  else if (err instanceof CoreError) {
    try {
      fromCore(err, {});
      return;
    } catch (mapped) {
      e = mapped instanceof ArcError ? mapped : new ArcError(500, 'Internal Server Error');
    }
  } else {
    const fe = err as FastifyError;
    if (fe.validation) {
      if (fe.validationContext === 'body') {
        e = new ArcError(422, 'The request body is invalid. See error object `details` property for more info.', { code: 'VALIDATION_FAILED', details: details(fe.validation) });
      } else {
        const missing = fe.validation.find((v) => v.keyword === 'required');
        const name = missing ? String((missing.params as { missingProperty?: string }).missingProperty) : fe.validation[0]?.instancePath.slice(1);
        e = missing
          ? new ArcError(400, `Required parameter ${name} is missing!`, { code: 'MISSING_REQUIRED_PARAMETER' })
          : new ArcError(400, `Invalid data for parameter "${name}"`, { code: 'INVALID_PARAMETER_VALUE' });
      }
    } else if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      e = new ArcError(fe.statusCode, fe.statusCode === 400 && fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? 'Unexpected token in JSON' : fe.message, fe.statusCode === 400 ? { name: 'SyntaxError' } : {});
    } else {
      req.log.error({ err }, 'unhandled error');
      e = new ArcError(500, 'Internal Server Error');
    }
  }
  if (e.opts.retryAfter) reply.header('retry-after', String(e.opts.retryAfter));
  const body = e.body();
  if (e.status === 500) delete (body.error as Record<string, unknown>).name;
  return reply.code(e.status).type('application/json; charset=utf-8').send(body);
}
