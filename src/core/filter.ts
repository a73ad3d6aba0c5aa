/**
 * The filter tree of list endpoints (LoopBack's where, fields, order, limit and skip; the
 * Feathers query will build the same tree) and the error a bad one raises, which a dialect
 * turns into its 400. They live in store/filter.ts beside the SQL that applies them; dialects
 * take them from here because apis/ never imports store/ (`.dependency-cruiser.cjs`).
 */
export { FilterError, type Filter, type Where } from '../store/filter.js';
