import type { Kysely, Selectable } from 'kysely';
import type { Database, OauthTokensTable } from './schema.js';
import type { Generation } from './generation.js';

export type OauthTokenRow = Selectable<OauthTokensTable>;
export type OauthTokenType = 'code' | 'access_token' | 'refresh_token';
export type OauthTokenInsert = Omit<OauthTokenRow, 'id' | 'deleted_at' | 'type'> & { type: OauthTokenType };

/** The only SQL for `oauth_tokens`. Tokens are found by their sha256; deletes are soft. */
export function oauthTokensRepo(db: Kysely<Database>, gen: Generation) {
  const live = (now: number) => db.selectFrom('oauth_tokens').selectAll().where('deleted_at', 'is', null).where('expires_at', '>', now);
  return {
    /** Inserts unless the hash is taken (codes are short); undefined when it is. */
    async insert(row: OauthTokenInsert): Promise<OauthTokenRow | undefined> {
      return db
        .insertInto('oauth_tokens')
        .values(row)
        .onConflict((oc) => oc.column('hash').doNothing())
        .returningAll()
        .executeTakeFirst();
    },
    /** A row by hash whatever its state (to free the hash of a dead code). */
    byHashAny: (hash: string) => db.selectFrom('oauth_tokens').selectAll().where('hash', '=', hash).executeTakeFirst(),
    /** Removes a dead row for good so its hash can be used again. */
    async purgeDead(id: number, now: number): Promise<boolean> {
      const r = await db
        .deleteFrom('oauth_tokens')
        .where('id', '=', id)
        .where((eb) => eb.or([eb('deleted_at', 'is not', null), eb('expires_at', '<=', now)]))
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    /** A live, unexpired token by hash (its client's liveness is the caller's check). */
    activeByHash: (hash: string, now: number) => live(now).where('hash', '=', hash).executeTakeFirst(),
    /** Live, unexpired tokens of one client and account, oldest first. */
    forClientUser: (clientId: number, userId: number, now: number) =>
      live(now).where('client_id', '=', clientId).where('user_id', '=', userId).orderBy('id').execute(),
    /** Live, unexpired tokens of an account with their client's id and name (live clients only). */
    forUser: (userId: number, now: number) =>
      db
        .selectFrom('oauth_tokens as t')
        .innerJoin('clients as c', 'c.id', 't.client_id')
        .select(['t.short', 't.type', 't.created_at', 't.expires_at', 'c.client_id', 'c.name'])
        .where('t.user_id', '=', userId)
        .where('t.deleted_at', 'is', null)
        .where('t.expires_at', '>', now)
        .where('c.deleted_at', 'is', null)
        .orderBy('t.id')
        .execute(),
    /** Soft-deletes one row if still live; true for exactly one caller (single use). */
    async consume(id: number, now: number): Promise<boolean> {
      const r = await db.updateTable('oauth_tokens').set({ deleted_at: now }).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
      gen.bump();
      return Number(r.numUpdatedRows) === 1;
    },
    /** Soft-deletes the tokens of a client+account; `keepRefresh` spares refresh tokens; `hash` limits to one token. */
    async revoke(clientId: number, userId: number, now: number, opts: { keepRefresh?: boolean; hash?: string } = {}): Promise<number> {
      let q = db.updateTable('oauth_tokens').set({ deleted_at: now }).where('client_id', '=', clientId).where('user_id', '=', userId).where('deleted_at', 'is', null);
      if (opts.keepRefresh) q = q.where('type', '!=', 'refresh_token');
      if (opts.hash !== undefined) q = q.where('hash', '=', opts.hash);
      const r = await q.executeTakeFirst();
      gen.bump();
      return Number(r.numUpdatedRows);
    },
    /** Soft-deletes every token of an account, for every client (password changed, account blocked). */
    async revokeUser(userId: number, now: number): Promise<number> {
      const r = await db.updateTable('oauth_tokens').set({ deleted_at: now }).where('user_id', '=', userId).where('deleted_at', 'is', null).executeTakeFirst();
      gen.bump();
      return Number(r.numUpdatedRows);
    },
    /** Soft-deletes every token of a client (the client was removed). */
    async revokeClient(clientId: number, now: number): Promise<number> {
      const r = await db.updateTable('oauth_tokens').set({ deleted_at: now }).where('client_id', '=', clientId).where('deleted_at', 'is', null).executeTakeFirst();
      gen.bump();
      return Number(r.numUpdatedRows);
    },
  };
}
export type OauthTokensRepo = ReturnType<typeof oauthTokensRepo>;
