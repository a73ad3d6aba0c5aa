import { FilterError, type Filter, type Where } from '../../core/filter.js';

/**
 * A `filter` or `where` given as JSON that is not a JSON object: LoopBack's coercion refuses it as
 * `Invalid data "<raw>" for parameter "<name>".`, quoting the text as received.
 */
export class InvalidParamError extends FilterError {
  constructor(
    public readonly param: string,
    public readonly raw: string,
    message: string,
  ) {
    super(message);
  }
}

const MAX_DEPTH = 8;
const MAX_KEYS = 200;
// Assigning these on a plain object would change its prototype (or reach Object.prototype through a later merge).
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const INDEX = /^(?:0|[1-9]\d{0,8})$/;

// A Map-based tree, so no user-supplied key is ever assigned on an object while the query is being read.
type Node = { kind: 'obj'; children: Map<string, Node> } | { kind: 'leaf'; values: string[] };

/**
 * Parses the `filter` of a LoopBack GET request from the raw URL query string: either `filter=<url-encoded JSON>`
 * or the bracket form (`filter[where][id][inq][0]=1&filter[order][0]=id%20DESC&filter[limit]=5`). Returns undefined
 * when absent. Values of the bracket form stay strings; applyFilter coerces them per column type.
 * Throws FilterError for bad JSON, a non-object, or a query beyond the depth/key limits.
 */
export function parseFilterParam(rawQuery: string, name = 'filter'): Filter | undefined {
  // Shape and value types are validated by applyFilter; this layer only guarantees a safe plain object.
  return parseParam(rawQuery, name) as Filter | undefined;
}

/** Same for the `where` parameter of `/count` and bulk PATCH: `where=<json>` or `where[clientId]=x`. */
export function parseWhereParam(rawQuery: string): Where | undefined {
  return parseParam(rawQuery, 'where');
}

function parseParam(rawQuery: string, name: string): Record<string, unknown> | undefined {
  const params = new URLSearchParams(rawQuery);
  const json: string[] = [];
  const bracket: Array<[string, string]> = [];
  const prefix = `${name}[`;
  for (const [key, value] of params) {
    if (key === name) json.push(value);
    else if (key.startsWith(prefix)) bracket.push([key.slice(name.length), value]);
  }

  if (json.length > 1) throw new FilterError(`${name} given more than once`);
  // An empty `filter=` is what many clients send for "no filter".
  if (json.length === 1 && json[0]!.trim() !== '') return jsonParam(json[0]!, name);
  if (!bracket.length) return undefined;

  if (bracket.length > MAX_KEYS) throw new FilterError(`${name} has more than ${MAX_KEYS} keys`);
  const root: Node = { kind: 'obj', children: new Map() };
  for (const [path, value] of bracket) {
    const segments = splitPath(path, name);
    if (segments.length > MAX_DEPTH) throw new FilterError(`${name} is nested deeper than ${MAX_DEPTH} levels`);
    if (segments.some((s) => FORBIDDEN.has(s))) continue;
    insert(root, segments, value, name);
  }
  // Every parameter may have been dropped as forbidden.
  if (!root.children.size) return undefined;
  return checked(materialize(root), name);
}

function jsonParam(text: string, name: string): Record<string, unknown> {
  let value: unknown;
  try {
    // JSON.parse itself defines '__proto__' as an own key, which is harmless until someone merges the object; dropping it here is simpler than trusting every consumer.
    value = JSON.parse(text, (key, v: unknown) => (FORBIDDEN.has(key) ? undefined : v));
  } catch {
    throw new InvalidParamError(name, text, `${name} is not valid JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidParamError(name, text, `${name} must be a JSON object`);
  return checked(value, name);
}

/** '[where][id][inq][0]' → ['where', 'id', 'inq', '0']. */
function splitPath(path: string, name: string): string[] {
  const segments: string[] = [];
  const re = /\[([^[\]]*)\]/y;
  let at = 0;
  while (at < path.length) {
    re.lastIndex = at;
    const m = re.exec(path);
    if (!m) throw new FilterError(`malformed parameter ${name}${path}`);
    segments.push(m[1]!);
    at = re.lastIndex;
    // Stop scanning absurd keys early; the caller reports the depth error.
    if (segments.length > MAX_DEPTH) break;
  }
  return segments;
}

function insert(root: Node & { kind: 'obj' }, segments: string[], value: string, name: string): void {
  let node = root;
  for (let i = 0; i < segments.length; i++) {
    let seg = segments[i]!;
    const last = i === segments.length - 1;
    if (seg === '') {
      // `a[]=x&a[]=y` appends, as qs does; an empty segment anywhere else has no sensible meaning.
      if (!last) throw new FilterError(`malformed parameter ${name}[${segments.join('][')}]`);
      seg = String(node.children.size);
    }
    const existing = node.children.get(seg);
    if (last) {
      if (!existing) node.children.set(seg, { kind: 'leaf', values: [value] });
      else if (existing.kind === 'leaf') existing.values.push(value); // repeated key: becomes an array, as in qs
      else throw new FilterError(`conflicting values for ${name}[${segments.slice(0, i + 1).join('][')}]`);
      return;
    }
    if (existing?.kind === 'leaf') throw new FilterError(`conflicting values for ${name}[${segments.slice(0, i + 1).join('][')}]`);
    if (existing) {
      node = existing;
    } else {
      const child: Node & { kind: 'obj' } = { kind: 'obj', children: new Map() };
      node.children.set(seg, child);
      node = child;
    }
  }
}

function materialize(node: Node): unknown {
  if (node.kind === 'leaf') return node.values.length === 1 ? node.values[0] : [...node.values];
  const keys = [...node.children.keys()];
  if (keys.every((k) => INDEX.test(k))) {
    const indexes = keys.map(Number).sort((a, b) => a - b);
    if (indexes.every((n, i) => n === i)) return indexes.map((n) => materialize(node.children.get(String(n))!));
  }
  const out: Record<string, unknown> = {};
  // Safe as a plain object: forbidden keys never reach the tree.
  for (const [k, child] of node.children) out[k] = materialize(child);
  return out;
}

/** The same limits for both forms, so JSON cannot sidestep what the bracket form enforces. */
function checked(value: unknown, name: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new FilterError(`${name} must be a JSON object`);
  let keys = 0;
  const walk = (v: unknown, depth: number): void => {
    if (depth > MAX_DEPTH) throw new FilterError(`${name} is nested deeper than ${MAX_DEPTH} levels`);
    if (v === null || typeof v !== 'object') return;
    const children = Array.isArray(v) ? v : Object.values(v);
    keys += children.length;
    if (keys > MAX_KEYS) throw new FilterError(`${name} has more than ${MAX_KEYS} keys`);
    for (const c of children) walk(c, depth + 1);
  };
  walk(value, 0);
  return value as Record<string, unknown>;
}
