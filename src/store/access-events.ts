import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { Generation } from './generation.js';
import { reusable } from './reusable.js';

/** An account's state as far as access goes: what every node keeps in memory. */
export interface AccountAccess {
  userId: number;
  uuid: string;
  /** Inactive, rejected, deleted (or gone altogether). */
  blocked: boolean;
  sessionsNotBefore: number | null;
}

export interface AccessEvent {
  id: number;
  kind: 'revoke' | 'account';
  key: string | null;
  userId: number | null;
  until: number;
}

/** Status 2 and 4: inactive and rejected (core's isBlocked; the 0004 trigger says the same). */
const BLOCKED_STATUSES = [2, 4];

/**
 * The revocation feed (migration 0004): revoked token keys and account changes, read by every
 * node after its start-up load. The Redis backend of issue 14 will offer the same calls.
 */
/** `userRows` moves after a cut-off is written (see usersRepo). */
export function accessEventsRepo(db: Kysely<Database>, userRows: Generation) {
  const q = {
    since: reusable(db, (id: number) =>
      db.selectFrom('access_events').select(['id', 'kind', 'key', 'user_id', 'until']).where('id', '>', id).orderBy('id').limit(1000),
    ),
    revoke: reusable(db, (key: string, until: number, now: number) => db.insertInto('access_events').values({ kind: 'revoke', key, user_id: null, until, created_at: now })),
  };
  const access = (r: { id: number; uuid: string; status: number; deleted_at: number | null; sessions_not_before: number | null }): AccountAccess => ({
    userId: r.id,
    uuid: r.uuid,
    blocked: BLOCKED_STATUSES.includes(r.status) || r.deleted_at !== null,
    sessionsNotBefore: r.sessions_not_before === null ? null : Number(r.sessions_not_before),
  });
  const cols = ['id', 'uuid', 'status', 'deleted_at', 'sessions_not_before'] as const;
  return {
    async latestId(): Promise<number> {
      const r = await db.selectFrom('access_events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
      return Number(r?.id ?? 0);
    },
    /** Events after `id`, and those of `missing` (ids skipped earlier: their transactions may commit late). */
    async since(id: number, missing: number[] = []): Promise<AccessEvent[]> {
      const rows = missing.length
        ? await db
            .selectFrom('access_events')
            .select(['id', 'kind', 'key', 'user_id', 'until'])
            .where((eb) => eb.or([eb('id', '>', id), eb('id', 'in', missing)]))
            .orderBy('id')
            .limit(1000)
            .execute()
        : (await q.since(id)).rows;
      return rows.map((r) => ({ id: Number(r.id), kind: r.kind, key: r.key, userId: r.user_id, until: Number(r.until) }));
    },
    async revoke(key: string, until: number, now: number): Promise<void> {
      await q.revoke(key, until, now);
    },
    async revokedLive(now: number): Promise<{ key: string; until: number }[]> {
      const rows = await db.selectFrom('access_events').select(['key', 'until']).where('kind', '=', 'revoke').where('until', '>', now).execute();
      return rows.map((r) => ({ key: r.key ?? '', until: Number(r.until) }));
    },
    async purge(now: number): Promise<void> {
      await db.deleteFrom('access_events').where('until', '<=', now).execute();
    },
    /** Accounts that are blocked, or whose unstored sessions were cut off after `cutoffAfter`. */
    async restricted(cutoffAfter: number): Promise<AccountAccess[]> {
      const rows = await db
        .selectFrom('users')
        .select(cols)
        .where((eb) => eb.or([eb('status', 'in', BLOCKED_STATUSES), eb('deleted_at', 'is not', null), eb('sessions_not_before', '>', cutoffAfter)]))
        .execute();
      return rows.map(access);
    },
    /** One account's access state, deleted ones included; undefined when the row is gone. */
    async account(userId: number): Promise<AccountAccess | undefined> {
      const r = await db.selectFrom('users').select(cols).where('id', '=', userId).executeTakeFirst();
      return r ? access(r) : undefined;
    },
    /** Moves the cut-off forward (never back); the trigger tells every node. */
    async cutOff(userId: number, at: number): Promise<void> {
      await db
        .updateTable('users')
        .set({ sessions_not_before: at })
        .where('id', '=', userId)
        .where((eb) => eb.or([eb('sessions_not_before', 'is', null), eb('sessions_not_before', '<', at)]))
        .execute();
      userRows.bump();
    },
  };
}
export type AccessEventsRepo = ReturnType<typeof accessEventsRepo>;
