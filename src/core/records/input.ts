import { fail } from '../errors.js';

/** How a record's input is written: create and update replace every field, patch only the given ones. */
export type Mode = 'create' | 'update' | 'patch';

/** One input field's rule. */
export type Rule =
  | { type: 'text'; required?: boolean; max: number; /** '' refused even when optional. */ nonEmpty?: boolean; /** Absent on update keeps the stored value (write-only fields). */ keep?: boolean }
  | { type: 'id'; required?: boolean }
  | { type: 'bool' };

export type Rules<In> = { [K in keyof In]-?: Rule };

const INT4_MAX = 2_147_483_647;

/** An id the database can hold: anything else names no record. */
export const validId = (id: unknown): id is number => typeof id === 'number' && Number.isSafeInteger(id) && id >= 1 && id <= INT4_MAX;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function check(rule: Rule, field: string, v: unknown): unknown {
  const bad = (what: string): never => fail('invalid_input', `${field} must be ${what}`, { field });
  switch (rule.type) {
    case 'text':
      if (typeof v !== 'string') return bad('a string');
      // PostgreSQL refuses NUL in text with a server error.
      if (v.includes('\u0000')) return bad('free of NUL characters');
      if ((rule.required || rule.nonEmpty) && v.trim() === '') return bad('a non-empty string');
      if (v.length > rule.max) return bad(`at most ${rule.max} characters`);
      return v;
    case 'id':
      return validId(v) ? v : bad('a positive integer id');
    case 'bool':
      return typeof v === 'boolean' ? v : bad('a boolean');
  }
}

/**
 * The checked fields of `data`. On create and update a required field must be there and an
 * absent optional one becomes null (a `keep` one stays absent on update); on patch only the
 * given fields are returned. Fields not in `rules` are ignored.
 */
export function readInput<In>(rules: Rules<In>, data: unknown, mode: Mode): Partial<In> {
  if (!isObject(data)) return fail('invalid_input', 'data must be an object');
  const out: Record<string, unknown> = {};
  for (const [field, rule] of Object.entries(rules) as [string, Rule][]) {
    const v = Object.hasOwn(data, field) ? data[field] : undefined;
    const required = rule.type !== 'bool' && rule.required === true;
    if (v === undefined) {
      if (mode === 'patch' || (mode === 'update' && rule.type === 'text' && rule.keep)) continue;
      if (required) fail('invalid_input', `${field} is required`, { field });
      out[field] = null;
    } else if (v === null) {
      if (required) fail('invalid_input', `${field} must not be null`, { field });
      out[field] = null;
    } else out[field] = check(rule, field, v);
  }
  return out as Partial<In>;
}

