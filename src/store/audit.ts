import { sql, type Insertable, type Kysely } from 'kysely';
import type { AuditTable, Database } from './schema.js';
import { reusable } from './reusable.js';
import { tableRepo, viewColumns, type Q } from './records/common.js';

/** What may be queried of an audit entry seen as a Feathers `events` record. */
export const EVENT_COLUMNS = viewColumns({
  id: 'number',
  source_table: 'string',
  event: 'string',
  custom_event: 'string',
  table_id: 'number',
  user_id: 'number',
  previous_user_id: 'number',
  created_at: 'date',
  updated_at: 'date',
});

/**
 * The audit log as Feathers `events` records. Entries without the 0005 columns (written before,
 * or by another dialect) read as custom events of their module, their message the custom event.
 * An entry is never changed, so `updated_at` is its `created_at`.
 */
const eventView = (q: Q) =>
  q
    .selectFrom('audit')
    .select([
      'id',
      sql<string>`coalesce(source_table, module)`.as('source_table'),
      sql<string>`coalesce(event, 'custom')`.as('event'),
      sql<string | null>`case when event is null or event = 'custom' then message else null end`.as('custom_event'),
      'table_id',
      'user_id',
      'previous_user_id',
      'created_at',
      'created_at as updated_at',
    ]);

export type EventRow = Awaited<ReturnType<ReturnType<typeof eventView>['executeTakeFirstOrThrow']>>;

export function auditRepo(db: Kysely<Database>) {
  // One row per login: compiled once, every column given (null where absent).
  const insert = reusable(
    db,
    (
      user_id: number | null,
      module: string,
      level: string,
      message: string,
      data: string | null,
      ip: string | null,
      created_at: number,
      source_table: string | null,
      event: string | null,
      table_id: number | null,
      previous_user_id: number | null,
    ) => db.insertInto('audit').values({ user_id, module, level, message, data, ip, created_at, source_table, event, table_id, previous_user_id }),
  );
  const events = tableRepo(db, 'audit', eventView, EVENT_COLUMNS);
  return {
    insert: async (row: Insertable<AuditTable>) => {
      await insert(
        row.user_id ?? null,
        row.module,
        row.level,
        row.message,
        row.data ?? null,
        row.ip ?? null,
        row.created_at,
        row.source_table ?? null,
        row.event ?? null,
        row.table_id ?? null,
        row.previous_user_id ?? null,
      );
    },
    forUser: (userId: number, limit: number, offset: number) =>
      db.selectFrom('audit').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute(),
    /** Entries as `events` records (a filter over the record fields). */
    findEvents: events.find,
    getEvent: (id: number) => events.get(db, id),
  };
}
export type AuditRepo = ReturnType<typeof auditRepo>;
