import { filterQuery, OPERATORS } from '@feathersjs/adapter-commons';
import { BadRequest } from '@feathersjs/errors';
import type { Filter, Where } from '../../core/filter.js';

/** The operators of Feathers' SQL adapters that this dialect takes besides the common ones. */
const EXTRA_OPERATORS = ['$like', '$ilike', '$notlike'];
const TO_FILTER: Record<string, string> = {
  $in: 'inq',
  $nin: 'nin',
  $lt: 'lt',
  $lte: 'lte',
  $gt: 'gt',
  $gte: 'gte',
  $ne: 'neq',
  $like: 'like',
  $ilike: 'ilike',
  $notlike: 'nlike',
};

export interface Paginate {
  default: number;
  max: number;
}

/** A Feathers query as the core filter tree, plus the fields `$select` keeps. */
export interface ParsedQuery {
  filter: Filter & { limit: number; skip: number };
  select?: string[];
}

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** qs turns arrays of more than 20 items into objects keyed by index; they are still lists. */
function asList(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (isPlain(v) && Object.keys(v).every((k) => /^\d+$/.test(k))) return Object.values(v);
  return undefined;
}

function condition(field: string, value: unknown): unknown {
  if (!isPlain(value)) return value === '' ? null : value;
  const out: Record<string, unknown> = {};
  for (const [op, v] of Object.entries(value)) {
    const to = TO_FILTER[op];
    if (!to) throw new BadRequest(`Invalid query parameter ${op}`, { [op]: v });
    if (op === '$in' || op === '$nin') {
      const list = asList(v);
      if (!list) throw new BadRequest(`Invalid query parameter ${op}`, { [op]: v });
      out[to] = list;
    } else out[to] = v;
  }
  return out;
}

/** One Feathers query object (fields, and `$or`/`$and` lists of query objects) as a core where. */
function where(query: Record<string, unknown>): Where | undefined {
  const parts: Where[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (key !== '$or' && key !== '$and') {
      // The core where reads `and`/`or` as its own connectives: no record has such a field.
      if (key === 'and' || key === 'or') throw new BadRequest(`unknown property '${key}' in where`);
      parts.push({ [key]: condition(key, value) });
      continue;
    }
    const items = asList(value);
    if (!items || !items.every(isPlain)) throw new BadRequest(`Invalid query parameter ${key}`);
    // Nested $or/$and stay inside their items, which are whole queries themselves.
    parts.push({ [key.slice(1)]: items.map((q) => where(q as Record<string, unknown>) ?? {}) });
  }
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : { and: parts };
}

/**
 * Feathers' query syntax (`$limit $skip $sort $select`, `$in $nin $lt $lte $gt $gte $ne $or $and`,
 * `$like $ilike $notlike`) as the core filter. adapter-commons checks it first, so unknown
 * operators are refused with Feathers' own messages; field names and value types are checked
 * by the core filter (unknown fields are refused, not ignored); `fields`, when given, are the
 * record's fields `$select` may name.
 */
export function parseQuery(query: Record<string, unknown> | undefined, paginate: Paginate, fields?: readonly string[]): ParsedQuery {
  const { filters, query: rest } = filterQuery(query ?? {}, { paginate, operators: [...OPERATORS, ...EXTRA_OPERATORS] });
  const { $or, $and } = filters as { $or?: unknown; $and?: unknown };
  // adapter-commons hands the top-level $or/$and back among the filters.
  const w = where({ ...(rest as Record<string, unknown>), ...($or !== undefined && { $or }), ...($and !== undefined && { $and }) });
  const limit = Number(filters.$limit ?? paginate.default);
  const skip = Math.max(0, Math.floor(Number(filters.$skip ?? 0)) || 0);
  const order: string[] = [];
  if (filters.$sort !== undefined) {
    if (!isPlain(filters.$sort)) throw new BadRequest('Invalid query parameter $sort');
    for (const [field, dir] of Object.entries(filters.$sort)) {
      const n = Number(dir);
      if (n !== 1 && n !== -1) throw new BadRequest(`Invalid sort direction for ${field}`);
      order.push(`${field} ${n === 1 ? 'ASC' : 'DESC'}`);
    }
  }
  const select = filters.$select === undefined ? undefined : (asList(filters.$select) ?? [filters.$select]).map(String);
  // As an unknown field in the where or $sort is refused (a SQL adapter would fail on the column), so is one in $select.
  const unknown = fields && select?.find((f) => !fields.includes(f));
  if (unknown !== undefined) throw new BadRequest(`unknown property '${unknown}' in $select`);
  return { filter: { where: w, order: order.length ? order : undefined, limit, skip }, select };
}

/** Keeps the `$select`ed fields of a record; `id` always stays (as Feathers' SQL adapters do). */
export function project<T extends Record<string, unknown>>(record: T, select: string[] | undefined): Partial<T> {
  if (!select) return record;
  const out: Record<string, unknown> = { id: record.id };
  for (const f of select) if (Object.hasOwn(record, f)) out[f] = record[f];
  return out as Partial<T>;
}

/** The record fields a filter's where and order name (to refuse a query by a field the caller may not see). */
export function fieldsOf(filter: Filter): string[] {
  const out = new Set<string>();
  const walk = (w: unknown): void => {
    if (!isPlain(w)) return;
    for (const [k, v] of Object.entries(w)) {
      if ((k === 'and' || k === 'or') && Array.isArray(v)) v.forEach(walk);
      else out.add(k);
    }
  };
  walk(filter.where);
  for (const o of [filter.order ?? []].flat()) out.add(String(o).split(' ')[0] ?? '');
  return [...out];
}
