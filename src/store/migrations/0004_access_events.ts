import { sql, type Kysely, type Migration } from 'kysely';
import type { Db } from '../db.js';

type K = Kysely<unknown>;

/** Epoch milliseconds, as every timestamp column holds, inside SQL. */
const NOW_MS = { sqlite: sql.raw(`cast((julianday('now') - 2440587.5) * 86400000 as integer)`), postgres: sql.raw(`(extract(epoch from clock_timestamp()) * 1000)::bigint`) };
/** How long an account event stays readable: nodes poll every fraction of a second. */
const EVENT_KEEP_MS = 86_400_000;

/**
 * What ends access, as a log every node reads (the revocation feed): `revoke` rows carry a
 * revoked token's key until it expires; `account` rows say an account's status, deletion or
 * session cut-off changed, so nodes read it again. `users.sessions_not_before` is that cut-off:
 * unstored sessions (simple's cookies) issued before it are dead.
 *
 * A trigger writes the `account` rows, so a status written straight into the database by an
 * administrator reaches running servers too; blocking or deleting an account also moves its
 * cut-off, so its old sessions stay dead when it is let in again.
 */
export function accessEvents(kind: Db['kind']): Migration {
  const now = NOW_MS[kind];
  return {
    async up(db: K) {
      await db.schema
        .createTable('access_events')
        .addColumn('id', kind === 'postgres' ? 'bigserial' : 'integer', (c) => (kind === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('key', 'text')
        .addColumn('user_id', 'integer')
        .addColumn('until', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('access_events_until').on('access_events').columns(['kind', 'until']).execute();
      await db.schema.alterTable('users').addColumn('sessions_not_before', 'bigint').execute();
      // Status 2 and 4 are inactive and rejected (core's isBlocked).
      const blockedNow = sql.raw('((new.status in (2, 4) and old.status not in (2, 4)) or (new.deleted_at is not null and old.deleted_at is null))');
      const distinct = kind === 'sqlite' ? 'is not' : 'is distinct from';
      const changed = sql.raw(['status', 'deleted_at', 'sessions_not_before'].map((c) => `new.${c} ${distinct} old.${c}`).join(' or '));
      const event = (id: string) => sql`insert into access_events (kind, key, user_id, until, created_at) values ('account', ${sql.raw(id)}.uuid, ${sql.raw(id)}.id, ${now} + ${sql.lit(EVENT_KEEP_MS)}, ${now})`;
      if (kind === 'sqlite') {
        // SQLite cannot change NEW in a trigger; the cut-off is set by an update the trigger does
        // not see again (recursive triggers are off).
        await sql`create trigger users_access_change after update of status, deleted_at, sessions_not_before on users
          when ${changed}
          begin
            update users set sessions_not_before = ${now} where id = new.id and ${blockedNow};
            ${event('new')};
          end`.execute(db);
        await sql`create trigger users_access_delete after delete on users begin ${event('old')}; end`.execute(db);
        return;
      }
      await sql`create function users_access_cutoff() returns trigger language plpgsql as $$
        begin
          if ${blockedNow} then new.sessions_not_before := ${now}; end if;
          return new;
        end $$`.execute(db);
      await sql`create trigger users_access_cutoff before update of status, deleted_at on users for each row execute function users_access_cutoff()`.execute(db);
      await sql`create function users_access_change() returns trigger language plpgsql as $$
        begin
          if tg_op = 'DELETE' then ${event('old')}; return old; end if;
          ${event('new')};
          return new;
        end $$`.execute(db);
      await sql`create trigger users_access_change after update of status, deleted_at, sessions_not_before on users for each row when (${changed}) execute function users_access_change()`.execute(db);
      await sql`create trigger users_access_delete after delete on users for each row execute function users_access_change()`.execute(db);
    },
  };
}
