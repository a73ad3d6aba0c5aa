import type { Expression, ExpressionBuilder, SelectQueryBuilder, SqlBool } from 'kysely';

/** LoopBack where object. */
export type Where = { [key: string]: unknown };

/** LoopBack filter. Values may arrive as strings from bracket query strings; applyFilter coerces them. */
export interface Filter {
  where?: Where;
  fields?: Record<string, boolean> | string[];
  order?: string | string[];
  limit?: number;
  skip?: number;
  offset?: number;
}

/** Maps an API property name (e.g. 'clientId') to a SQL column (e.g. 'client_id') and its type. Properties absent from the map cannot be used in where/order. */
export type ColumnMap = Record<string, { column: string; type: 'string' | 'number' | 'boolean' | 'date' }>;

/** Anything wrong with a client-supplied filter; callers turn it into a 400. */
export class FilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterError';
  }
}

export const MAX_LIMIT = 1000;
// Only a guard against stack exhaustion from programmatic callers; the HTTP parser is far stricter.
const MAX_WHERE_DEPTH = 32;
const INT4_MAX = 2_147_483_647;

// The filter is dynamic, so the builder cannot know table or column types; columns are checked against the ColumnMap at runtime instead.
type EB = ExpressionBuilder<any, any>;
type Cond = Expression<SqlBool>;
type Spec = ColumnMap[string];
type Scalar = string | number;

const FILTER_KEYS = new Set(['where', 'fields', 'order', 'limit', 'skip', 'offset']);
const OPERATORS = new Set(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'inq', 'nin', 'like', 'nlike', 'ilike', 'nilike', 'regexp']);
const COMPARISONS = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
// Date.parse also accepts free-form dates (and reads '1' as 2001), so only ISO 8601 shapes get that far.
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

// hasOwn, because a JSON where may carry keys such as '__proto__' or 'toString' that plain lookup would resolve on Object.prototype.
function lookup(columns: ColumnMap, prop: string, usage: string): Spec {
  if (!Object.hasOwn(columns, prop)) throw new FilterError(`unknown property '${prop}' in ${usage}`);
  return columns[prop]!;
}

/** Validates and coerces one comparison value to what the column stores. */
function coerce(prop: string, spec: Spec, v: unknown): Scalar {
  const bad = (): never => {
    throw new FilterError(`invalid ${spec.type} value for '${prop}': ${describe(v)}`);
  };
  switch (spec.type) {
    case 'string':
      if (typeof v !== 'string') return bad();
      // PostgreSQL rejects NUL in text with a server error; catching it here keeps it a 400.
      if (v.includes('\u0000')) return bad();
      return v;
    case 'number':
      if (typeof v === 'number') return Number.isFinite(v) ? v : bad();
      if (typeof v === 'string' && NUMERIC.test(v)) return Number(v);
      return bad();
    case 'boolean':
      // Booleans are stored as 0/1 integers (better-sqlite3 cannot bind JS booleans); PostgreSQL also accepts '1'/'0' for a boolean column.
      if (v === true || v === 'true') return 1;
      if (v === false || v === 'false') return 0;
      return bad();
    case 'date': {
      if (v instanceof Date) return Number.isFinite(v.getTime()) ? v.getTime() : bad();
      if (typeof v === 'number') return Number.isFinite(v) ? v : bad();
      if (typeof v !== 'string') return bad();
      // Bracket query strings turn epoch numbers into digit strings.
      if (INTEGER.test(v)) return Number(v);
      if (!ISO_DATE.test(v)) return bad();
      const ms = Date.parse(v);
      return Number.isFinite(ms) ? ms : bad();
    }
  }
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return Array.isArray(v) ? 'array' : typeof v;
}

/**
 * pg sends parameters as untyped text, so PostgreSQL infers their type from the column: '1.5' or
 * '3000000000' compared with an integer column would fail at runtime. Casting only those values keeps
 * index use for the common case (int4 = int8 has a btree operator; int = float8 does not, but is rare).
 */
function param(eb: EB, v: Scalar): Expression<unknown> {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) return eb.cast(eb.val(v), 'double precision');
    if (Math.abs(v) > INT4_MAX) return eb.cast(eb.val(v), 'bigint');
  }
  return eb.val(v);
}

function list(op: string, prop: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) throw new FilterError(`'${op}' on '${prop}' expects an array`);
  return v;
}

function likePattern(op: string, prop: string, spec: Spec, v: unknown): string {
  // PostgreSQL has no LIKE on integer columns, so restricting it keeps both engines in agreement.
  if (spec.type !== 'string') throw new FilterError(`'${op}' is only supported on string properties ('${prop}' is ${spec.type})`);
  return coerce(prop, spec, v) as string;
}

function operator(eb: EB, prop: string, spec: Spec, op: string, v: unknown): Cond {
  const ref = eb.ref(spec.column);
  switch (op) {
    case 'eq':
      return v === null ? eb(ref, 'is', null) : eb(ref, '=', param(eb, coerce(prop, spec, v)));
    case 'neq':
      return v === null ? eb(ref, 'is not', null) : eb(ref, '<>', param(eb, coerce(prop, spec, v)));
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (v === null) throw new FilterError(`'${op}' on '${prop}' does not accept null`);
      return eb(ref, COMPARISONS[op], param(eb, coerce(prop, spec, v)));
    case 'between': {
      const range = list(op, prop, v);
      if (range.length !== 2 || range[0] == null || range[1] == null) throw new FilterError(`'between' on '${prop}' expects an array of two non-null values`);
      return eb.between(ref, param(eb, coerce(prop, spec, range[0])), param(eb, coerce(prop, spec, range[1])));
    }
    case 'inq':
    case 'nin': {
      const items = list(op, prop, v);
      const values = items.filter((x) => x !== null).map((x) => param(eb, coerce(prop, spec, x)));
      // SQL `x IN (NULL)` is never true, so a null member needs its own IS [NOT] NULL test to mean what the client asked.
      const hasNull = values.length !== items.length;
      if (op === 'inq') {
        const parts: Cond[] = [];
        if (values.length) parts.push(eb(ref, 'in', values));
        if (hasNull) parts.push(eb(ref, 'is', null));
        return eb.or(parts); // empty list: Kysely emits 1 = 0
      }
      const parts: Cond[] = [];
      if (values.length) parts.push(eb(ref, 'not in', values));
      if (hasNull) parts.push(eb(ref, 'is not', null));
      return eb.and(parts); // empty list: Kysely emits 1 = 1
    }
    case 'like':
      return eb(ref, 'like', likePattern(op, prop, spec, v));
    case 'nlike':
      return eb(ref, 'not like', likePattern(op, prop, spec, v));
    case 'ilike':
    case 'nilike': {
      // SQLite has no ILIKE and its LIKE is case-insensitive only for ASCII; lower() on both sides behaves the same on both engines.
      // The cast stops PostgreSQL from guessing between lower(text) and lower(anyrange) for an untyped parameter.
      const pattern = eb.fn('lower', [eb.cast(eb.val(likePattern(op, prop, spec, v)), 'text')]);
      return eb(eb.fn('lower', [ref]), op === 'ilike' ? 'like' : 'not like', pattern);
    }
    case 'regexp':
      throw new FilterError('regexp is not supported');
    default:
      throw new FilterError(`unknown operator '${op}' on '${prop}'`);
  }
}

function condition(eb: EB, prop: string, spec: Spec, value: unknown): Cond {
  if (value === null) return eb(eb.ref(spec.column), 'is', null);
  if (Array.isArray(value)) throw new FilterError(`array value for '${prop}' needs an operator such as 'inq'`);
  if (!isPlainObject(value)) return operator(eb, prop, spec, 'eq', value);
  const ops = Object.keys(value).filter((op) => value[op] !== undefined);
  if (!ops.length) throw new FilterError(`empty condition for '${prop}'`);
  for (const op of ops) {
    if (!OPERATORS.has(op)) throw new FilterError(`unknown operator '${op}' on '${prop}'`);
  }
  // LoopBack's SQL connectors read only the first operator; ANDing all of them is the evident intent of {gt, lt}.
  return eb.and(ops.map((op) => operator(eb, prop, spec, op, value[op])));
}

function whereExpr(eb: EB, where: unknown, columns: ColumnMap, depth: number): Cond {
  if (depth > MAX_WHERE_DEPTH) throw new FilterError('where is nested too deeply');
  if (!isPlainObject(where)) throw new FilterError('where must be an object');
  const parts: Cond[] = [];
  for (const key of Object.keys(where)) {
    const value = where[key];
    if (value === undefined) continue;
    if (key === 'and' || key === 'or') {
      if (!Array.isArray(value)) throw new FilterError(`'${key}' expects an array of where objects`);
      const subs = value.map((w) => whereExpr(eb, w, columns, depth + 1));
      parts.push(key === 'and' ? eb.and(subs) : eb.or(subs));
    } else {
      parts.push(condition(eb, key, lookup(columns, key, 'where'), value));
    }
  }
  return eb.and(parts);
}

function nonNegativeInt(name: string, v: unknown): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d{1,15}$/.test(v)) return Number(v);
  throw new FilterError(`${name} must be a non-negative integer, got ${describe(v)}`);
}

function orderItems(order: unknown): string[] {
  if (typeof order === 'string') return order.split(',');
  if (Array.isArray(order)) {
    return order.flatMap((o) => {
      if (typeof o !== 'string') throw new FilterError('order items must be strings');
      return o.split(',');
    });
  }
  throw new FilterError('order must be a string or an array of strings');
}

function validateFields(fields: unknown): void {
  if (Array.isArray(fields)) {
    if (!fields.every((f) => typeof f === 'string')) throw new FilterError('fields array must contain only strings');
    return;
  }
  if (!isPlainObject(fields)) throw new FilterError('fields must be an object of booleans or an array of strings');
  for (const [k, v] of Object.entries(fields)) {
    // Bracket query strings deliver 'true'/'false'.
    if (typeof v !== 'boolean' && v !== 'true' && v !== 'false') throw new FilterError(`fields.${k} must be true or false`);
  }
}

/**
 * Adds the WHERE, ORDER BY, LIMIT and OFFSET of a LoopBack filter to `qb`. Throws FilterError for
 * anything invalid, before any SQL runs. `fields` is only shape-checked; projection is the caller's job.
 * The `any`s let one function serve every table and selection; the filter is checked against `columns` at runtime.
 */
export function applyFilter<QB extends SelectQueryBuilder<any, any, any>>(qb: QB, filter: Filter, columns: ColumnMap): QB {
  if (!isPlainObject(filter)) throw new FilterError('filter must be an object');
  for (const key of Object.keys(filter)) {
    if (!FILTER_KEYS.has(key)) throw new FilterError(key === 'include' ? 'include is not supported' : `unknown filter key '${key}'`);
  }
  // Widened so the chained calls type-check for any table; the result is the same builder type the caller passed in.
  let q: SelectQueryBuilder<any, any, any> = qb;

  if (filter.fields != null) validateFields(filter.fields);

  if (filter.where != null) {
    const where = filter.where;
    // Built eagerly so that FilterError surfaces here rather than at execute().
    q = q.where((eb: EB) => whereExpr(eb, where, columns, 0));
  }

  if (filter.order != null) {
    for (const raw of orderItems(filter.order)) {
      const m = /^\s*([^\s]+)(?:\s+(asc|desc))?\s*$/i.exec(raw);
      if (!m) throw new FilterError(`invalid order clause ${describe(raw)}`);
      const spec = lookup(columns, m[1]!, 'order');
      // NULLs sort as the smallest value, as in SQLite and MySQL; PostgreSQL's default is the opposite.
      q = m[2]?.toLowerCase() === 'desc' ? q.orderBy(spec.column, (ob) => ob.desc().nullsLast()) : q.orderBy(spec.column, (ob) => ob.asc().nullsFirst());
    }
  }

  const limit = filter.limit != null ? Math.min(nonNegativeInt('limit', filter.limit), MAX_LIMIT) : undefined;
  const skip = filter.skip != null ? nonNegativeInt('skip', filter.skip) : undefined;
  const offset = filter.offset != null ? nonNegativeInt('offset', filter.offset) : undefined;
  if (skip !== undefined && offset !== undefined && skip !== offset) throw new FilterError('skip and offset are synonyms and disagree');
  const start = skip ?? offset;

  if (limit !== undefined) q = q.limit(limit);
  // SQLite rejects OFFSET without LIMIT, and PostgreSQL rejects LIMIT -1, so "no limit" is spelled as a huge one.
  else if (start) q = q.limit(Number.MAX_SAFE_INTEGER);
  if (start) q = q.offset(start);
  return q as QB;
}
