import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { ClientsTable, Database } from './schema.js';
import { applyFilter, type ColumnMap, type Filter, type Where } from './filter.js';
import { reusable } from './reusable.js';

export type ClientRow = Selectable<ClientsTable>;
export type ClientInsert = Insertable<ClientsTable>;
export type ClientPatch = Updateable<ClientsTable>;

export function clientsRepo(db: Kysely<Database>) {
  // ARC sees its own clients only: OAuth2 clients (scopes set) share the table and the id space.
  const arcRows = () => db.selectFrom('clients').where('deleted_at', 'is', null).where('scopes', 'is', null);
  const live = () => arcRows().selectAll();
  // Looked up on every login and refresh: compiled once.
  const byClientId = reusable(db, (clientId: string) => live().where('client_id', '=', clientId));
  const byId = reusable(db, (id: number) => live().where('id', '=', id));
  return {
    byClientId: async (clientId: string) => (await byClientId(clientId)).rows[0],
    byId: async (id: number) => (await byId(id)).rows[0],
    insert: (row: ClientInsert) => db.insertInto('clients').values(row).returningAll().executeTakeFirstOrThrow(),
    async update(id: number, patch: ClientPatch): Promise<boolean> {
      const r = await db.updateTable('clients').set(patch).where('id', '=', id).where('deleted_at', 'is', null).where('scopes', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    /** Rows matching a LoopBack-style filter, ids only; the caller decrypts and projects. */
    find: (filter: Filter, columns: ColumnMap) => applyFilter(live(), filter, columns).execute(),
    async count(where: Where | undefined, columns: ColumnMap): Promise<number> {
      const q = applyFilter(arcRows(), { where }, columns);
      const row = await q.clearSelect().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async updateWhere(where: Where | undefined, patch: ClientPatch, columns: ColumnMap): Promise<number> {
      const ids = (await applyFilter(arcRows(), { where }, columns).clearSelect().select('id').execute()).map((r) => r.id);
      if (!ids.length) return 0;
      const r = await db.updateTable('clients').set(patch).where('id', 'in', ids).executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
    async softDelete(id: number, now: number, by: string | null): Promise<boolean> {
      const r = await db.updateTable('clients').set({ deleted_at: now, deleted_by: by }).where('id', '=', id).where('deleted_at', 'is', null).where('scopes', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    list: () => live().orderBy('id').execute(),
  };
}
export type ClientsRepo = ReturnType<typeof clientsRepo>;
