import { sql, type Insertable, type Kysely } from 'kysely';
import type { Database, SessionsTable } from './schema.js';
import { tableRepo, viewColumns, type Q } from './records/common.js';

/**
 * What may be queried of a session (Feathers `auth_sessions`): the parsed user agent is JSON in
 * one column, so its parts are shown but not filtered on.
 */
export const AUTH_SESSION_COLUMNS = viewColumns({
  id: 'number',
  title: 'string',
  user_id: 'number',
  auth_provider: 'string',
  ip: 'string',
  useragent: 'string',
  revoked: 'boolean',
  expires_at: 'date',
  created_at: 'date',
  updated_at: 'date',
});

/**
 * A session as a record. `revoked` is 0/1 (the filter binds booleans as integers on both
 * engines); `updated_at` is null on rows no one has changed yet, whose last change is then their
 * revocation, last refresh or start. `token_sig` stays out: it is never shown.
 */
const authSessionView = (q: Q) =>
  q
    .selectFrom('sessions')
    .select([
      'id',
      'title',
      'user_id',
      'source as auth_provider',
      'ip',
      'user_agent as useragent',
      'client_info',
      sql<number>`case when revoked_at is null then 0 else 1 end`.as('revoked'),
      'expires_at',
      'created_at',
      sql<number>`coalesce(updated_at, revoked_at, last_used_at, created_at)`.as('updated_at'),
    ]);

export type AuthSessionRow = Awaited<ReturnType<ReturnType<typeof authSessionView>['executeTakeFirstOrThrow']>>;

/** Sessions of every dialect as Feathers `auth_sessions` records, and the personal access tokens among them. */
export function authSessionsRepo(db: Kysely<Database>) {
  const records = tableRepo(db, 'sessions', authSessionView, AUTH_SESSION_COLUMNS);
  return {
    find: records.find,
    get: (id: number) => records.get(db, id),
    /** Stores a personal access token's session (it has no refresh token); the new id. */
    insert: (row: Insertable<SessionsTable>) => records.insert(db, row),
    rename: (id: number, title: string | null, now: number) => records.update(db, id, { title, updated_at: now }),
  };
}
export type AuthSessionsRepo = ReturnType<typeof authSessionsRepo>;
