import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** The sealed provider tokens kept with a session started through federation (migration 0006). */
export function sessionUpstreamRepo(db: Kysely<Database>) {
  return {
    async set(sessionId: number, sealed: string | null): Promise<void> {
      await db.updateTable('sessions').set({ upstream_enc: sealed }).where('id', '=', sessionId).execute();
    },
    async get(sessionId: number): Promise<string | undefined> {
      const row = await db.selectFrom('sessions').select('upstream_enc').where('id', '=', sessionId).executeTakeFirst();
      return row?.upstream_enc ?? undefined;
    },
  };
}
export type SessionUpstreamRepo = ReturnType<typeof sessionUpstreamRepo>;
