import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';
import { uniqueField } from './users.js';

type Q = Kysely<Database> | Transaction<Database>;

/** The identities' own unique index (provider, subject) refused a link; `users` violations are not this. */
export function isIdentityTaken(e: unknown): boolean {
  const err = e as { constraint?: string; message?: string };
  if (uniqueField(e) === undefined) return false;
  return err.constraint === 'identities_provider_subject' || /identities\.provider|identities_provider_subject/.test(err.message ?? '');
}

/** External identities: (provider, subject) → account (DESIGN.md "Data"). */
export function identitiesRepo(db: Kysely<Database>) {
  return {
    /** Runs `work` in one transaction. */
    transaction: <T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> => db.transaction().execute(work),
    /** The account an identity belongs to, deleted accounts included (their links stay until removed). */
    async owner(provider: string, subject: string, q: Q = db): Promise<number | undefined> {
      const row = await q.selectFrom('identities').select('user_id').where('provider', '=', provider).where('subject', '=', subject).executeTakeFirst();
      return row?.user_id;
    },
    /** Throws the engine's unique violation (`isIdentityTaken`) when the identity is linked already. */
    async insert(userId: number, provider: string, subject: string, now: number, q: Q = db): Promise<void> {
      await q.insertInto('identities').values({ user_id: userId, provider, subject, created_at: now, updated_at: now }).execute();
    },
    ofUser: (userId: number) =>
      db.selectFrom('identities').select(['provider', 'subject', 'created_at']).where('user_id', '=', userId).orderBy('id').execute(),
    /** Removes an account's link(s) to `provider` (one subject, or all); how many went. */
    async remove(userId: number, provider: string, subject: string | undefined, q: Q = db): Promise<number> {
      let del = q.deleteFrom('identities').where('user_id', '=', userId).where('provider', '=', provider);
      if (subject !== undefined) del = del.where('subject', '=', subject);
      return Number((await del.executeTakeFirst()).numDeletedRows);
    },
    /** Removes a link whatever account it points to (one of a deleted account). */
    async forget(provider: string, subject: string, q: Q = db): Promise<void> {
      await q.deleteFrom('identities').where('provider', '=', provider).where('subject', '=', subject).execute();
    },
    async count(userId: number, q: Q = db): Promise<number> {
      const r = await q.selectFrom('identities').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
      return Number(r.n);
    },
    /** Marks the account's email verified, unless it changed meanwhile (a provider just proved that address). */
    async markEmailVerified(userId: number, emailNorm: string, now: number, q: Q = db): Promise<void> {
      await q.updateTable('users').set({ email_verified_at: now, updated_at: now }).where('id', '=', userId).where('email_norm', '=', emailNorm).where('email_verified_at', 'is', null).execute();
    },
    async hasPassword(userId: number, q: Q = db): Promise<boolean> {
      const r = await q.selectFrom('credentials').select('password_hash').where('user_id', '=', userId).executeTakeFirst();
      return r?.password_hash != null;
    },
    /**
     * Takes the account's row lock until the transaction ends (a no-op write: portable, where
     * `for update` is not SQLite), so two removals of an account's last two ways in cannot both
     * see the other one still there.
     */
    async lockAccount(userId: number, q: Q = db): Promise<void> {
      await q.updateTable('users').set((eb) => ({ updated_at: eb.ref('updated_at') })).where('id', '=', userId).execute();
    },
  };
}
export type IdentitiesRepo = ReturnType<typeof identitiesRepo>;
