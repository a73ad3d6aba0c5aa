import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';
import type { Generation } from './generation.js';
import { UniqueViolation, uniqueField, type UserRow } from './users.js';

type Q = Kysely<Database> | Transaction<Database>;

/** An account with what an operator sees of it, or moves to another server. */
export interface AccountListing {
  user: UserRow;
  /** Role slugs in the account's default group (ARC's tenant), in role order. */
  roles: string[];
  /** Role slugs held everywhere (Feathers `user_roles`). */
  globalRoles: string[];
  /** ARC client ids (`client_id`) the account may sign in through. */
  clients: string[];
  /** Per-account permission overrides: granted, and taken away from its roles. */
  permissions: string[];
  deniedPermissions: string[];
  /** Only when asked for (an export): never read for a listing. */
  passwordHash?: string | null;
}

/** Columns of users an import or an administrator may set, besides the profile ones. */
export type AccountColumns = Partial<
  Pick<
    UserRow,
    | 'username'
    | 'username_norm'
    | 'email'
    | 'email_norm'
    | 'phone'
    | 'name'
    | 'first_name'
    | 'middle_name'
    | 'last_name'
    | 'bio'
    | 'gender'
    | 'dob'
    | 'locale'
    | 'picture'
    | 'status'
    | 'email_verified_at'
    | 'phone_verified_at'
  >
>;

/**
 * Reads and writes for moving accounts in and out in bulk (core/accounts/transfer.ts) and for the
 * operator's listing and changes (core/accounts/user-admin.ts). `tokens` and `rows` are the
 * store's generations: `touched()` moves both after a transaction that wrote accounts.
 */
export function transferRepo(db: Kysely<Database>, tokens: Generation, rows: Generation) {
  return {
    /** Live accounts after `afterId`, by id, with their roles, clients and overrides (5 reads a page). */
    async page(afterId: number, limit: number, withHashes: boolean): Promise<AccountListing[]> {
      const users = await db.selectFrom('users').selectAll().where('deleted_at', 'is', null).where('id', '>', afterId).orderBy('id').limit(limit).execute();
      if (!users.length) return [];
      const ids = users.map((u) => u.id);
      const [roles, globals, clients, scopes, hashes] = await Promise.all([
        db
          .selectFrom('user_groups')
          .innerJoin('users', 'users.id', 'user_groups.user_id')
          .innerJoin('user_group_roles', 'user_group_roles.user_group_id', 'user_groups.id')
          .innerJoin('roles', 'roles.id', 'user_group_roles.role_id')
          .select(['user_groups.user_id as userId', 'roles.slug'])
          .whereRef('user_groups.group_id', '=', 'users.default_group_id')
          .where('user_groups.user_id', 'in', ids)
          .orderBy('roles.id')
          .execute(),
        db.selectFrom('user_roles').innerJoin('roles', 'roles.id', 'user_roles.role_id').select(['user_roles.user_id as userId', 'roles.slug']).where('user_roles.user_id', 'in', ids).orderBy('roles.id').execute(),
        db
          .selectFrom('user_clients')
          .innerJoin('clients', 'clients.id', 'user_clients.client_id')
          .select(['user_clients.user_id as userId', 'clients.client_id as clientId'])
          .where('user_clients.user_id', 'in', ids)
          .where('clients.deleted_at', 'is', null)
          .orderBy('clients.id')
          .execute(),
        db.selectFrom('user_scopes').innerJoin('scopes', 'scopes.id', 'user_scopes.scope_id').select(['user_scopes.user_id as userId', 'scopes.name', 'user_scopes.allowed']).where('user_scopes.user_id', 'in', ids).orderBy('scopes.id').execute(),
        withHashes ? db.selectFrom('credentials').select(['user_id as userId', 'password_hash']).where('user_id', 'in', ids).execute() : Promise.resolve([]),
      ]);
      const of = <T extends { userId: number }>(list: T[], id: number) => list.filter((r) => r.userId === id);
      return users.map((user) => ({
        user,
        roles: of(roles, user.id).map((r) => r.slug),
        globalRoles: of(globals, user.id).map((r) => r.slug),
        clients: of(clients, user.id).map((r) => r.clientId),
        permissions: of(scopes, user.id).filter((s) => Number(s.allowed) === 1).map((s) => s.name),
        deniedPermissions: of(scopes, user.id).filter((s) => Number(s.allowed) !== 1).map((s) => s.name),
        ...(withHashes && { passwordHash: hashes.find((h) => h.userId === user.id)?.password_hash ?? null }),
      }));
    },
    /** Role ids by slug. */
    async roles(): Promise<Map<string, number>> {
      return new Map((await db.selectFrom('roles').select(['id', 'slug']).execute()).map((r) => [r.slug, r.id]));
    },
    /** ARC client row ids by client_id (OAuth2 clients, which have scopes, are not ARC's). */
    async clients(): Promise<Map<string, number>> {
      const list = await db.selectFrom('clients').select(['id', 'client_id']).where('deleted_at', 'is', null).where('scopes', 'is', null).execute();
      return new Map(list.map((c) => [c.client_id, c.id]));
    },
    /** Changes columns of a live account (undefined when there is none); a taken username or email throws UniqueViolation. */
    async update(trx: Q, id: number, values: AccountColumns, now: number): Promise<UserRow | undefined> {
      try {
        return await trx.updateTable('users').set({ ...values, updated_at: now }).where('id', '=', id).where('deleted_at', 'is', null).returningAll().executeTakeFirst();
      } catch (e) {
        const f = uniqueField(e);
        if (f) throw new UniqueViolation(f);
        throw e;
      }
    },
    /** Makes `roleIds` the account's roles in `groupId`, joining the group when it is not a member. */
    async setGroupRoles(trx: Q, uuid: string, userId: number, groupId: number, roleIds: number[], now: number): Promise<void> {
      let ug = await trx.selectFrom('user_groups').select('id').where('user_id', '=', userId).where('group_id', '=', groupId).executeTakeFirst();
      ug ??= await trx.insertInto('user_groups').values({ uuid, user_id: userId, group_id: groupId, locale: null }).returning('id').executeTakeFirstOrThrow();
      await trx.deleteFrom('user_group_roles').where('user_group_id', '=', ug.id).execute();
      for (const roleId of roleIds) await trx.insertInto('user_group_roles').values({ user_group_id: ug.id, role_id: roleId, created_at: now, updated_at: now }).execute();
    },
    async setGlobalRoles(trx: Q, userId: number, roleIds: number[], now: number): Promise<void> {
      await trx.deleteFrom('user_roles').where('user_id', '=', userId).execute();
      for (const roleId of roleIds) await trx.insertInto('user_roles').values({ user_id: userId, role_id: roleId, created_at: now, updated_at: now }).execute();
    },
    async setClients(trx: Q, userId: number, clientIds: number[]): Promise<void> {
      await trx.deleteFrom('user_clients').where('user_id', '=', userId).execute();
      for (const c of clientIds) await trx.insertInto('user_clients').values({ user_id: userId, client_id: c }).execute();
    },
    /** Replaces the account's permission overrides: scope id → allowed. */
    async setOverrides(trx: Q, userId: number, overrides: Map<number, boolean>): Promise<void> {
      await trx.deleteFrom('user_scopes').where('user_id', '=', userId).execute();
      for (const [scopeId, allowed] of overrides) await trx.insertInto('user_scopes').values({ user_id: userId, scope_id: scopeId, allowed: allowed ? 1 : 0 }).execute();
    },
    /** Sets the stored hash as it is (an imported one), or removes the password with null. */
    async setPasswordHash(trx: Q, userId: number, hash: string | null, now: number): Promise<void> {
      await trx
        .insertInto('credentials')
        .values({ user_id: userId, password_hash: hash, password_changed_at: now })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ password_hash: hash, password_changed_at: now }))
        .execute();
    },
    async passwordHash(q: Q, userId: number): Promise<string | null> {
      return (await q.selectFrom('credentials').select('password_hash').where('user_id', '=', userId).executeTakeFirst())?.password_hash ?? null;
    },
    /** The account that holds `uuid`, deleted ones included (uuids stay unique forever). */
    uuidOwner: (uuid: string) => db.selectFrom('users').select(['id', 'deleted_at']).where('uuid', '=', uuid).executeTakeFirst(),
    /** After a transaction that wrote accounts: caches of tokens and of accounts drop what they hold. */
    touched(): void {
      tokens.bump();
      rows.bump();
    },
  };
}
export type TransferRepo = ReturnType<typeof transferRepo>;
