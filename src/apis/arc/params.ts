import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { invalidData } from './errors.js';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * `preValidation` of an `{id}` path parameter. LoopBack coerces it with `Number()` and answers
 * 400 `Invalid data "<raw>" for parameter "id".` when that fails; ids are 32-bit integers here,
 * and PostgreSQL answers a server error for a larger or fractional one (the original 500'd on
 * `/auth-clients/99999999999`), so those get the same 400 before any query runs.
 */
export function integerIdParam(req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const params = req.params as Record<string, unknown>;
  const raw = String(params.id ?? '');
  const id = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isInteger(id) || id < INT32_MIN || id > INT32_MAX) {
    done(invalidData(raw, 'id'));
    return;
  }
  params.id = id;
  done();
}
