import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, UsersTable } from './schema.js';
import type { Generation } from './generation.js';
import { reusable } from './reusable.js';
import { applyFilter, type ColumnMap, type Filter } from './filter.js';

export type UserRow = Selectable<UsersTable>;
/** The profile columns an account's owner or an administrator may change. */
export type ProfileUpdate = Partial<
  Pick<UserRow, 'username' | 'username_norm' | 'email' | 'email_norm' | 'phone' | 'first_name' | 'middle_name' | 'last_name' | 'picture' | 'locale' | 'email_verified_at' | 'phone_verified_at'>
>;
export type NewUser = Omit<UserRow, 'id' | 'deleted_at' | 'last_login_at' | 'sessions_not_before' | 'picture' | 'phone_verified_at'> & Partial<Pick<UserRow, 'picture' | 'phone_verified_at'>>;
type Q = Kysely<Database> | Transaction<Database>;

export class UniqueViolation extends Error {
  constructor(public readonly field: string) {
    super(`${field} already taken`);
  }
}

/** Maps a unique-index violation of either engine to the field it concerns. */
export function uniqueField(e: unknown): string | undefined {
  const err = e as { code?: string; message?: string; constraint?: string };
  const text = `${err.constraint ?? ''} ${err.message ?? ''}`;
  const isUnique = err.code === '23505' || err.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(text);
  if (!isUnique) return undefined;
  for (const f of ['username_norm', 'email_norm', 'phone', 'client_id', 'slug', 'name', 'uuid']) if (text.includes(f)) return f.replace('_norm', '');
  return 'value';
}

/**
 * `gen` moves when an account may have stopped being live (tokens' caches); `rows` whenever a
 * users row changes (the account cache of core/accounts/account-cache.ts). Each write moves
 * `rows` after it has run: a cache filled in between is dropped at the next read.
 */
export function usersRepo(db: Kysely<Database>, gen: Generation, rows: Generation) {
  const live = (q: Q) => q.selectFrom('users').selectAll().where('deleted_at', 'is', null);
  // The lookups of every login and refresh, compiled once.
  const first = <R>(p: Promise<{ rows: R[] }>) => p.then((r) => r.rows[0]);
  const q = {
    byId: reusable(db, (id: number) => live(db).where('id', '=', id)),
    byUsername: reusable(db, (norm: string) => live(db).where('username_norm', '=', norm)),
    byEmail: reusable(db, (norm: string) => live(db).where('email_norm', '=', norm)),
    credentials: reusable(db, (userId: number) => db.selectFrom('credentials').select(['password_hash', 'totp_enc']).where('user_id', '=', userId)),
    touchLastLogin: reusable(db, (id: number, now: number) => db.updateTable('users').set({ last_login_at: now }).where('id', '=', id)),
    clientIds: reusable(db, (userId: number) => db.selectFrom('user_clients').select('client_id').where('user_id', '=', userId).orderBy('client_id')),
  };
  return {
    async insert(trx: Q, user: NewUser): Promise<UserRow> {
      try {
        return await trx.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow();
      } catch (e) {
        const f = uniqueField(e);
        if (f) throw new UniqueViolation(f);
        throw e;
      } finally {
        rows.bump();
      }
    },
    byId: (id: number) => first(q.byId(id)),
    byUuid: (uuid: string) => live(db).where('uuid', '=', uuid).executeTakeFirst(),
    byUsername: (norm: string) => first(q.byUsername(norm)),
    /** Exact, case-sensitive username match (ARC forget-password does not lower-case). */
    byExactUsername: (username: string) => live(db).where('username', '=', username).executeTakeFirst(),
    byEmail: (norm: string) => first(q.byEmail(norm)),
    byPhone: (phone: string) => live(db).where('phone', '=', phone).executeTakeFirst(),
    list: () => live(db).orderBy('id').execute(),
    /** Whether any live account exists (first start), without reading them all. */
    any: async () => (await db.selectFrom('users').select('id').where('deleted_at', 'is', null).limit(1).executeTakeFirst()) !== undefined,
    async softDelete(id: number, now: number): Promise<boolean> {
      const r = await db.updateTable('users').set({ deleted_at: now, updated_at: now }).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
      gen.bump();
      rows.bump();
      return Number(r.numUpdatedRows) > 0;
    },
    async touchLastLogin(id: number, now: number): Promise<void> {
      await q.touchLastLogin(id, now);
      rows.bump();
    },
    /** The password hash and the sealed TOTP of an account in one read (a login needs both). */
    async credentials(userId: number): Promise<{ password_hash: string | null; totp_enc: string | null } | undefined> {
      return first(q.credentials(userId));
    },
    async passwordHash(userId: number): Promise<string | null> {
      const row = await first(q.credentials(userId));
      return row?.password_hash ?? null;
    },
    /** Sealed otpauth URL of the account's active TOTP, if any. */
    async totp(userId: number): Promise<string | null> {
      const row = await first(q.credentials(userId));
      return row?.totp_enc ?? null;
    },
    async setTotp(userId: number, sealed: string | null): Promise<boolean> {
      const r = await db.updateTable('credentials').set({ totp_enc: sealed }).where('user_id', '=', userId).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async markEmailVerified(userId: number, now: number): Promise<void> {
      await db.updateTable('users').set({ email_verified_at: now, updated_at: now }).where('id', '=', userId).execute();
      rows.bump();
    },
    /**
     * Marks the account's email (by its lower-cased form) or phone verified, only while it is still
     * that address: a change since the code was sent wins. False when it is not (or no account).
     */
    async markAddressVerified(userId: number, channel: 'email' | 'phone', address: string, now: number): Promise<boolean> {
      const q = db.updateTable('users').where('id', '=', userId).where('deleted_at', 'is', null);
      const r = await (channel === 'email'
        ? q.set({ email_verified_at: now, updated_at: now }).where('email_norm', '=', address)
        : q.set({ phone_verified_at: now, updated_at: now }).where('phone', '=', address)
      ).executeTakeFirst();
      rows.bump();
      return Number(r.numUpdatedRows) > 0;
    },
    identities: (userId: number) => db.selectFrom('identities').select(['provider', 'subject']).where('user_id', '=', userId).orderBy('id').execute(),
    async setPasswordHash(trx: Q, userId: number, hash: string, now: number): Promise<void> {
      await trx
        .insertInto('credentials')
        .values({ user_id: userId, password_hash: hash, password_changed_at: now })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ password_hash: hash, password_changed_at: now }))
        .execute();
    },
    /** Replaces a hash only if it is still the one we verified (a rehash must not undo a concurrent change). */
    async upgradePasswordHash(userId: number, oldHash: string, newHash: string): Promise<void> {
      await db.updateTable('credentials').set({ password_hash: newHash }).where('user_id', '=', userId).where('password_hash', '=', oldHash).execute();
    },
    async clientIds(userId: number): Promise<number[]> {
      return (await q.clientIds(userId)).rows.map((r) => r.client_id);
    },
    /** Changes profile columns of a live account; undefined when there is none. */
    async update(id: number, values: ProfileUpdate, now: number): Promise<UserRow | undefined> {
      try {
        return await db.updateTable('users').set({ ...values, updated_at: now }).where('id', '=', id).where('deleted_at', 'is', null).returningAll().executeTakeFirst();
      } catch (e) {
        const f = uniqueField(e);
        if (f) throw new UniqueViolation(f);
        throw e;
      } finally {
        rows.bump();
      }
    },
    /** A page of live accounts and how many match in all (`limit` 0: the count only). */
    async page(filter: Filter, columns: ColumnMap): Promise<{ total: number; rows: UserRow[] }> {
      const counted = await applyFilter(live(db), { where: filter.where }, columns)
        .clearSelect()
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const rows = filter.limit === 0 ? [] : await applyFilter(live(db), { ...filter, order: filter.order ?? ['id ASC'] }, columns).execute();
      return { total: Number(counted.n), rows };
    },
    async countLive(): Promise<number> {
      const r = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where('deleted_at', 'is', null).executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async allowClient(trx: Q, userId: number, clientId: number): Promise<void> {
      await trx.insertInto('user_clients').values({ user_id: userId, client_id: clientId }).onConflict((oc) => oc.doNothing()).execute();
    },
    /** Whether an ARC client of this id exists (an unknown one would break the foreign key: a 500). */
    async clientExists(trx: Q, clientId: number): Promise<boolean> {
      return (await trx.selectFrom('clients').select('id').where('id', '=', clientId).executeTakeFirst()) !== undefined;
    },
    /** Whether the account was allowed the client (and no longer is). */
    async disallowClient(trx: Q, userId: number, clientId: number): Promise<boolean> {
      const r = await trx.deleteFrom('user_clients').where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}
export type UsersRepo = ReturnType<typeof usersRepo>;
