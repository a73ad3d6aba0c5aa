import type { Kysely, Selectable } from 'kysely';
import type { Database, RefreshTokensTable, SessionsTable } from './schema.js';

export type SessionRow = Selectable<SessionsTable>;
export type RefreshRow = Selectable<RefreshTokensTable>;
export type NewSession = Omit<SessionRow, 'id' | 'revoked_at'>;
export interface NewRefresh {
  hash: string;
  access_sig: string | null;
  access_exp: number | null;
  expires_at: number;
}

export function sessionsRepo(db: Kysely<Database>) {
  return {
    /** A session (refresh-token family) and its first refresh token, atomically. */
    async create(session: NewSession, refresh: NewRefresh): Promise<SessionRow> {
      return db.transaction().execute(async (trx) => {
        const s = await trx.insertInto('sessions').values(session).returningAll().executeTakeFirstOrThrow();
        await trx.insertInto('refresh_tokens').values({ ...refresh, session_id: s.id, created_at: session.created_at, used_at: null }).execute();
        return s;
      });
    },
    async refresh(hash: string): Promise<(RefreshRow & { session: SessionRow }) | undefined> {
      const rt = await db.selectFrom('refresh_tokens').selectAll().where('hash', '=', hash).executeTakeFirst();
      if (!rt) return undefined;
      const session = await db.selectFrom('sessions').selectAll().where('id', '=', rt.session_id).executeTakeFirst();
      return session ? { ...rt, session } : undefined;
    },
    /**
     * Marks a refresh token used, exactly once across concurrent callers, and adds its
     * successor in the same transaction. Returns false when another caller won the race.
     */
    async rotate(oldHash: string, sessionId: number, next: NewRefresh, now: number): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const r = await trx.updateTable('refresh_tokens').set({ used_at: now }).where('hash', '=', oldHash).where('used_at', 'is', null).executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) return false;
        await trx.insertInto('refresh_tokens').values({ ...next, session_id: sessionId, created_at: now, used_at: null }).execute();
        await trx.updateTable('sessions').set({ last_used_at: now, expires_at: next.expires_at }).where('id', '=', sessionId).execute();
        return true;
      });
    },
    /** Ends a session; returns the still-valid access tokens it had, to revoke them. */
    async revoke(sessionId: number, now: number): Promise<{ sig: string; exp: number }[]> {
      return db.transaction().execute(async (trx) => {
        await trx.updateTable('sessions').set({ revoked_at: now }).where('id', '=', sessionId).where('revoked_at', 'is', null).execute();
        await trx.updateTable('refresh_tokens').set({ used_at: now }).where('session_id', '=', sessionId).where('used_at', 'is', null).execute();
        const rows = await trx
          .selectFrom('refresh_tokens')
          .select(['access_sig', 'access_exp'])
          .where('session_id', '=', sessionId)
          .where('access_exp', '>', now)
          .execute();
        return rows.filter((r) => r.access_sig && r.access_exp).map((r) => ({ sig: r.access_sig as string, exp: r.access_exp as number }));
      });
    },
    async liveSessionIdsOfUser(userId: number, now: number): Promise<number[]> {
      const rows = await db.selectFrom('sessions').select('id').where('user_id', '=', userId).where('revoked_at', 'is', null).where('expires_at', '>', now).execute();
      return rows.map((r) => r.id);
    },
    async countLive(now: number): Promise<number> {
      const r = await db.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).where('revoked_at', 'is', null).where('expires_at', '>', now).executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async purgeExpired(now: number): Promise<void> {
      await db.deleteFrom('refresh_tokens').where('expires_at', '<', now).execute();
      await db.deleteFrom('sessions').where('expires_at', '<', now).execute();
    },
  };
}
export type SessionsRepo = ReturnType<typeof sessionsRepo>;
