import type { TSchema, Static } from '@sinclair/typebox';
import { BadRequest } from '@feathersjs/errors';
import { bodyAjv, nulError } from '../validation.js';

/**
 * Validates service data against its schema, on either transport, as Feathers v5 schema hooks
 * do: `BadRequest` "validation failed" with the ajv errors in `data`. Input holding U+0000 is
 * refused the same way (no store can keep it).
 */
export function validator<S extends TSchema>(schema: S): (data: unknown) => Static<S> {
  const check = bodyAjv.compile(schema);
  return (data) => {
    if (!check(data)) throw new BadRequest('validation failed', check.errors ?? []);
    const nul = nulError(data);
    if (nul) throw new BadRequest('validation failed', [nul]);
    return data as Static<S>;
  };
}

/** A record id from a path or a socket call: a positive integer, else no record has it. */
export function recordId(id: unknown): number | undefined {
  const s = typeof id === 'number' ? String(id) : typeof id === 'string' ? id : '';
  return /^[1-9]\d{0,9}$/.test(s) && Number(s) <= 2_147_483_647 ? Number(s) : undefined;
}
