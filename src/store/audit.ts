import type { Insertable, Kysely } from 'kysely';
import type { AuditTable, Database } from './schema.js';
import { reusable } from './reusable.js';

export function auditRepo(db: Kysely<Database>) {
  // One row per login: compiled once, every column given (null where absent).
  const insert = reusable(db, (user_id: number | null, module: string, level: string, message: string, data: string | null, ip: string | null, created_at: number) =>
    db.insertInto('audit').values({ user_id, module, level, message, data, ip, created_at }),
  );
  return {
    insert: async (row: Insertable<AuditTable>) => {
      await insert(row.user_id ?? null, row.module, row.level, row.message, row.data ?? null, row.ip ?? null, row.created_at);
    },
    forUser: (userId: number, limit: number, offset: number) =>
      db.selectFrom('audit').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute(),
  };
}
export type AuditRepo = ReturnType<typeof auditRepo>;
