import type { Insertable, Kysely } from 'kysely';
import type { AuditTable, Database } from './schema.js';

export function auditRepo(db: Kysely<Database>) {
  return {
    insert: async (row: Insertable<AuditTable>) => {
      await db.insertInto('audit').values(row).execute();
    },
    forUser: (userId: number, limit: number, offset: number) =>
      db.selectFrom('audit').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute(),
  };
}
export type AuditRepo = ReturnType<typeof auditRepo>;
