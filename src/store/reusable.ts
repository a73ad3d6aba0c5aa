import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { Database } from './schema.js';

const SENTINEL = '\u0000gatehouse-arg:';

/**
 * A query built and compiled once, then run with each call's arguments. Kysely builds a frozen
 * node tree and compiles it on every call, ~10 µs a query here: more than SQLite's own work for
 * the lookups and counters a login or a refresh runs twenty of.
 *
 * `build` must be a pure function of its arguments, each used only as a value (no branching on
 * them, nothing read from elsewhere such as the clock): it runs once, with placeholders.
 */
export function reusable<A extends unknown[], R>(db: Kysely<Database>, build: (...args: A) => Compilable<R>): (...args: A) => Promise<QueryResult<R>> {
  let compiled: CompiledQuery<R> | undefined;
  let slots: ({ arg: number } | { value: unknown })[] = [];
  return (...args: A) => {
    if (!compiled) {
      compiled = build(...(args.map((_, i) => SENTINEL + i) as A)).compile();
      slots = compiled.parameters.map((p) => (typeof p === 'string' && p.startsWith(SENTINEL) ? { arg: Number(p.slice(SENTINEL.length)) } : { value: p }));
    }
    return db.executeQuery({ ...compiled, parameters: slots.map((s) => ('arg' in s ? args[s.arg] : s.value)) });
  };
}
