import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, RefreshTokensTable, SessionsTable } from './schema.js';

export type SessionRow = Selectable<SessionsTable>;
export type RefreshRow = Selectable<RefreshTokensTable>;
export type NewSession = Omit<SessionRow, 'id' | 'revoked_at' | 'title' | 'token_sig' | 'client_info' | 'updated_at' | 'upstream_enc'> & Partial<Pick<SessionRow, 'title' | 'token_sig' | 'client_info' | 'updated_at' | 'upstream_enc'>>;
export interface NewRefresh {
  hash: string;
  access_sig: string | null;
  access_exp: number | null;
  expires_at: number;
}

/** refresh_tokens columns, renamed apart from the session's in the joined lookup. */
interface JoinedRefresh {
  rt_hash: string;
  rt_session_id: number;
  rt_access_sig: string | null;
  rt_access_exp: number | null;
  rt_created_at: number;
  rt_expires_at: number;
  rt_used_at: number | null;
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
    /**
     * A refresh token with its session, in one round trip: this runs on every rotation, where
     * each statement costs a prepare and a query-builder pass (~40 µs here) before any SQL runs.
     */
    async refresh(hash: string): Promise<(RefreshRow & { session: SessionRow }) | undefined> {
      const { rows } = await sql<SessionRow & JoinedRefresh>`
        select s.*, rt.hash as rt_hash, rt.session_id as rt_session_id, rt.access_sig as rt_access_sig, rt.access_exp as rt_access_exp,
               rt.created_at as rt_created_at, rt.expires_at as rt_expires_at, rt.used_at as rt_used_at
        from refresh_tokens rt join sessions s on s.id = rt.session_id
        where rt.hash = ${hash}`.execute(db);
      const row = rows[0];
      if (!row) return undefined;
      const { rt_hash, rt_session_id, rt_access_sig, rt_access_exp, rt_created_at, rt_expires_at, rt_used_at, ...session } = row;
      return {
        hash: rt_hash,
        session_id: rt_session_id,
        access_sig: rt_access_sig,
        access_exp: rt_access_exp,
        created_at: rt_created_at,
        expires_at: rt_expires_at,
        used_at: rt_used_at,
        session,
      };
    },
    /**
     * Marks a refresh token used, exactly once across concurrent callers, and adds its
     * successor in the same transaction. Returns false when another caller won the race.
     * `revoke` (the access token issued with the old refresh token) goes on the revocation feed
     * in that transaction too: one commit instead of two, and no crash can rotate the token yet
     * leave its access token alive.
     */
    async rotate(oldHash: string, sessionId: number, next: NewRefresh, now: number, revoke?: { key: string; until: number }): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        // Plain SQL: the query builder's pass costs more than these statements themselves.
        const r = await sql`update refresh_tokens set used_at = ${now} where hash = ${oldHash} and used_at is null`.execute(trx);
        if (Number(r.numAffectedRows) !== 1) return false;
        await sql`insert into refresh_tokens (hash, session_id, access_sig, access_exp, created_at, expires_at, used_at)
                  values (${next.hash}, ${sessionId}, ${next.access_sig}, ${next.access_exp}, ${now}, ${next.expires_at}, null)`.execute(trx);
        await sql`update sessions set last_used_at = ${now}, expires_at = ${next.expires_at} where id = ${sessionId}`.execute(trx);
        if (revoke) await sql`insert into access_events (kind, key, user_id, until, created_at) values ('revoke', ${revoke.key}, null, ${revoke.until}, ${now})`.execute(trx);
        return true;
      });
    },
    /** The live session an access token (sha256 of its signature) was issued in, if any. */
    async sessionOfAccess(accessSig: string, now: number): Promise<SessionRow | undefined> {
      const paired = await db
        .selectFrom('refresh_tokens')
        .innerJoin('sessions', 'sessions.id', 'refresh_tokens.session_id')
        .selectAll('sessions')
        .where('refresh_tokens.access_sig', '=', accessSig)
        .where('sessions.revoked_at', 'is', null)
        .where('sessions.expires_at', '>', now)
        .executeTakeFirst();
      // A personal access token is a session of its own, found by its signature hash.
      return paired ?? db.selectFrom('sessions').selectAll().where('token_sig', '=', accessSig).where('revoked_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
    },
    /** One more refresh token in a session, beside those it has (a Feathers JWT re-authentication). */
    async addRefresh(sessionId: number, next: NewRefresh, now: number): Promise<void> {
      await db.insertInto('refresh_tokens').values({ ...next, session_id: sessionId, created_at: now, used_at: null }).execute();
    },
    /**
     * Ends a session; returns the still-valid access tokens it had, to revoke them: those issued
     * beside its refresh tokens, and a personal access token's own (token_sig, living until the
     * session's expiry), so that every way a session ends also ends a personal access token.
     */
    async revoke(sessionId: number, now: number): Promise<{ sig: string; exp: number }[]> {
      return db.transaction().execute(async (trx) => {
        // An ended session's provider tokens are of no further use: they go with it.
        await trx.updateTable('sessions').set({ revoked_at: now, updated_at: now, upstream_enc: null }).where('id', '=', sessionId).where('revoked_at', 'is', null).execute();
        await trx.updateTable('refresh_tokens').set({ used_at: now }).where('session_id', '=', sessionId).where('used_at', 'is', null).execute();
        const rows = await trx
          .selectFrom('refresh_tokens')
          .select(['access_sig', 'access_exp'])
          .where('session_id', '=', sessionId)
          .where('access_exp', '>', now)
          .execute();
        const pat = await trx.selectFrom('sessions').select(['token_sig', 'expires_at']).where('id', '=', sessionId).where('token_sig', 'is not', null).where('expires_at', '>', now).executeTakeFirst();
        const out = rows.filter((r) => r.access_sig && r.access_exp).map((r) => ({ sig: r.access_sig as string, exp: r.access_exp as number }));
        if (pat?.token_sig) out.push({ sig: pat.token_sig, exp: pat.expires_at });
        return out;
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
