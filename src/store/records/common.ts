import type { Insertable, Kysely, SelectQueryBuilder, Transaction, Updateable } from 'kysely';
import type { Database } from '../schema.js';
import { applyFilter, type ColumnMap, type Filter } from '../filter.js';
import { uniqueField } from '../users.js';

export type Q = Kysely<Database> | Transaction<Database>;

/** One page of a find: the rows asked for and how many match the where. */
export interface Page<R> {
  total: number;
  data: R[];
}

/**
 * A record kind over one table. Reads go through a view: a select whose columns carry the
 * record's field names (joins and renames done there), used as the derived table `r`, so that a
 * filter's where and order name record fields and one ColumnMap serves find, count and get.
 */
export interface TableRepo<R, T extends keyof Database> {
  find(filter: Filter): Promise<Page<R>>;
  get(q: Q, id: number): Promise<R | undefined>;
  /** Inserts a row; the new id. */
  insert(q: Q, row: Insertable<Database[T]>): Promise<number>;
  update(q: Q, id: number, set: Updateable<Database[T]>): Promise<boolean>;
  remove(q: Q, id: number): Promise<boolean>;
}

/** A record-shaped select over `q`; it must select an `id`. */
// The `any` is the view's FROM clause, which differs per kind; callers only read its output `R`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type View<R> = (q: Q) => SelectQueryBuilder<Database, any, R>;

/** `{field: type}` → the ColumnMap of a view's derived table `r`. */
export function viewColumns(fields: Record<string, ColumnMap[string]['type']>): ColumnMap {
  const out: ColumnMap = {};
  for (const [field, type] of Object.entries(fields)) out[field] = { column: `r.${field}`, type };
  return out;
}

/** The repository of one record kind; `view` reads it, writes go to `table` by id. */
export function tableRepo<R extends { id: number }, T extends keyof Database & string>(db: Kysely<Database>, table: T, view: View<R>, columns: ColumnMap): TableRepo<R, T> {
  // Kysely cannot follow a table name chosen by a type parameter, so writes go through an untyped
  // builder; the row types are checked by TableRepo's signature at every call site.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const loose = (q: Q) => q as unknown as Kysely<any>;
  const name: string = table;
  const from = (q: Q) => loose(q).selectFrom(view(q).as('r'));
  return {
    async find(filter: Filter): Promise<Page<R>> {
      // Both are built (and the filter checked) before either runs.
      const rows = applyFilter(from(db).selectAll(), filter, columns).orderBy('r.id');
      const count = applyFilter(from(db), { where: filter.where }, columns).select((eb) => eb.fn.countAll().as('n'));
      const [data, n] = await Promise.all([rows.execute(), count.executeTakeFirstOrThrow()]);
      return { total: Number((n as { n: number | string }).n), data: data as R[] };
    },
    async get(q: Q, id: number): Promise<R | undefined> {
      return (await from(q).selectAll().where('r.id', '=', id).executeTakeFirst()) as R | undefined;
    },
    async insert(q: Q, row: Insertable<Database[T]>): Promise<number> {
      const r = (await loose(q).insertInto(name).values(row).returning('id').executeTakeFirstOrThrow()) as { id: number };
      return r.id;
    },
    async update(q: Q, id: number, set: Updateable<Database[T]>): Promise<boolean> {
      const r = await loose(q).updateTable(name).set(set as Record<string, unknown>).where('id', '=', id).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async remove(q: Q, id: number): Promise<boolean> {
      const r = await loose(q).deleteFrom(name).where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}

/** Whether a row with this id exists in `table`. */
export async function exists(q: Q, table: 'roles' | 'scopes' | 'groups' | 'group_types', id: number): Promise<boolean> {
  return (await q.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

/** Whether a live (not deleted) account has this id. */
export async function userExists(q: Q, id: number): Promise<boolean> {
  return (await q.selectFrom('users').select('id').where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst()) !== undefined;
}

/** A unique index refused the write (either engine). */
export const isUniqueViolation = (e: unknown): boolean => uniqueField(e) !== undefined;

/** A foreign key refused the write (either engine): a referenced row went away meanwhile, or a removed one is still referenced. */
export function isForeignKeyViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err.code === '23503' || err.code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || /FOREIGN KEY constraint failed/.test(err.message ?? '');
}
