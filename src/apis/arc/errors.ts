import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CoreError, isUnavailable, UNAVAILABLE_RETRY_AFTER_S } from '../../core/errors.js';
import { lockout, setRetryAfter } from '../shared/lockout.js';

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
  503: 'ServiceUnavailableError',
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
  const locked = lockout(e);
  if (locked) throw new ArcError(locked.status, locked.message, { retryAfter: locked.retryAfter });
  if (e instanceof CoreError) {
    const m = map[e.code];
    if (m) throw new ArcError(m[0], m[1], { nested: m[2] ?? false });
    if (e.code === 'taken') throw new ArcError(409, `Unique constraint violation error ! ${e.message}`);
    if (e.code === 'invalid_input') throw new ArcError(422, e.message, { code: 'VALIDATION_FAILED' });
  }
  throw e;
}

/**
 * LoopBack's `RestHttpErrors.invalidData`: a path or query parameter it cannot coerce, quoted
 * as received (`Invalid data "abc" for parameter "id".`).
 */
export function invalidData(raw: string, name: string): ArcError {
  return new ArcError(400, `Invalid data ${JSON.stringify(raw)} for parameter "${name}".`, { code: 'INVALID_PARAMETER_VALUE' });
}

/** What an operation's body may be: the OpenAPI `consumes` of its schema, JSON unless it says otherwise. */
export function allowedMediaTypes(req: FastifyRequest): readonly string[] {
  const schema = req.routeOptions.schema as { consumes?: readonly string[] } | undefined;
  return schema?.consumes ?? ['application/json'];
}

/**
 * LoopBack's `RestHttpErrors.unsupportedMediaType`. The type is the header as sent, parameters
 * included. LoopBack reads a missing one as JSON; where JSON is allowed and an untyped body is
 * refused all the same (the shared POST /auth/login), the type is named as empty.
 */
export function unsupportedMediaType(req: FastifyRequest): ArcError {
  const allowed = allowedMediaTypes(req);
  const type = req.headers['content-type'] ?? (allowed.includes('application/json') ? '' : 'application/json');
  return new ArcError(415, `Content-type ${type} does not match [${allowed.join(',')}].`, { code: 'UNSUPPORTED_MEDIA_TYPE' });
}

// LoopBack's AJV 6 checks `additionalProperties` before the required properties that have a
// schema of their own, so its `details` list unknown properties first; AJV 8 lists them last.
const detailRank = (keyword: string) => (keyword === 'additionalProperties' ? 0 : 1);

/** LoopBack's AJV-6 wording, dotted paths and order, from Fastify's AJV-8 errors. */
function details(errors: FastifyError['validation']) {
  const ordered = [...(errors ?? [])].sort((a, b) => detailRank(a.keyword) - detailRank(b.keyword));
  return ordered.map((e) => ({
    path: e.instancePath.replace(/\//g, '.'),
    code: e.keyword,
    message: (e.message ?? '').replace(/^must/, 'should'),
    info: e.params,
  }));
}

/** A path or query parameter that failed its schema: LoopBack's 400s, quoting the value when it is still the text received. */
function parameterError(fe: FastifyError, req: FastifyRequest): ArcError {
  const validation = fe.validation ?? [];
  const missing = validation.find((v) => v.keyword === 'required');
  if (missing) {
    const name = String((missing.params as { missingProperty?: string }).missingProperty);
    return new ArcError(400, `Required parameter ${name} is missing!`, { code: 'MISSING_REQUIRED_PARAMETER' });
  }
  const name = validation[0]?.instancePath.slice(1) ?? '';
  const source = (fe.validationContext === 'params' ? req.params : req.query) as Record<string, unknown> | undefined;
  const value = source?.[name];
  if (typeof value === 'string') return invalidData(value, name);
  return new ArcError(400, `Invalid data for parameter "${name}"`, { code: 'INVALID_PARAMETER_VALUE' });
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
      } else e = parameterError(fe, req);
    } else if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      // A content type with no parser here, or one Fastify cannot even parse (`garbage`).
      e = unsupportedMediaType(req);
    } else if (isUnavailable(err)) {
      req.log.warn({ err: err.message }, 'store unavailable');
      e = new ArcError(503, 'Service Unavailable', { retryAfter: UNAVAILABLE_RETRY_AFTER_S });
    } else if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      e = new ArcError(fe.statusCode, fe.statusCode === 400 && fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? 'Unexpected token in JSON' : fe.message, fe.statusCode === 400 ? { name: 'SyntaxError' } : {});
    } else {
      req.log.error({ err }, 'unhandled error');
      e = new ArcError(500, 'Internal Server Error');
    }
  }
  setRetryAfter(reply, e.opts.retryAfter);
  const body = e.body();
  if (e.status === 500) delete (body.error as Record<string, unknown>).name;
  return reply.code(e.status).type('application/json; charset=utf-8').send(body);
}
