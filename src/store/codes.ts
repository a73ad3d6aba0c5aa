import type { Kysely, Selectable } from 'kysely';
import type { CodesTable, Database } from './schema.js';

export type CodeRow = Selectable<CodesTable>;
export type NewCode = Omit<CodeRow, 'consumed_at'>;

export function codesRepo(db: Kysely<Database>) {
  return {
    insert: async (row: NewCode) => {
      await db.insertInto('codes').values({ ...row, consumed_at: null }).execute();
    },
    byHash: (hash: string) => db.selectFrom('codes').selectAll().where('hash', '=', hash).executeTakeFirst(),
    /** Consumes a code once: of concurrent callers exactly one gets true. */
    async consume(hash: string, now: number): Promise<boolean> {
      const r = await db.updateTable('codes').set({ consumed_at: now }).where('hash', '=', hash).where('consumed_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    /** The live code of a purpose for a subject (ARC OTPs are keyed by username). */
    live: (purpose: string, subject: string, now: number) =>
      db.selectFrom('codes').selectAll().where('purpose', '=', purpose).where('subject', '=', subject).where('consumed_at', 'is', null).where('expires_at', '>', now).orderBy('created_at', 'desc').executeTakeFirst(),
    async deleteFor(purpose: string, subject: string): Promise<void> {
      await db.deleteFrom('codes').where('purpose', '=', purpose).where('subject', '=', subject).execute();
    },
    /** Consumes the code only if it belongs to `userId` (stipulations are checked per account). */
    async consumeFor(hash: string, userId: number, purpose: string, now: number): Promise<boolean> {
      const r = await db.updateTable('codes').set({ consumed_at: now }).where('hash', '=', hash).where('user_id', '=', userId).where('purpose', '=', purpose).where('consumed_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async countLiveFor(userId: number, purpose: string, now: number): Promise<number> {
      const r = await db.selectFrom('codes').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('purpose', '=', purpose).where('consumed_at', 'is', null).where('expires_at', '>', now).executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async consumeAllFor(userId: number, purpose: string, now: number): Promise<void> {
      await db.updateTable('codes').set({ consumed_at: now }).where('user_id', '=', userId).where('purpose', '=', purpose).where('consumed_at', 'is', null).execute();
    },
    async purgeExpired(now: number): Promise<void> {
      await db.deleteFrom('codes').where('expires_at', '<', now).execute();
    },
  };
}
export type CodesRepo = ReturnType<typeof codesRepo>;
