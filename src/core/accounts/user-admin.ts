import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import type { AccountListing, TransferRepo } from '../../store/transfer.js';
import type { UserRow, UsersRepo } from '../../store/users.js';
import type { AuditLog } from '../audit.js';
import type { Accounts } from './accounts.js';
import type { ProfileChange, Profiles } from './profiles.js';
import { fail } from '../errors.js';
import { isBlocked } from '../rbac/permissions.js';
import { STATUS_BY_NUMBER } from './user-records.js';

/** An account as the operator's listing shows it: never a hash or a secret. */
export interface AccountSummary {
  id: string;
  username: string;
  email: string | null;
  status: string;
  roles: string[];
  clients: string[];
}

/** What an operator may change of an account at once (the CLI's `user update`). */
export interface AdminChange extends ProfileChange {
  /** Display name (ARC and basic `name`); null clears it. */
  name?: string | null;
  /** ARC status number (core/rbac/permissions.ts STATUS). */
  status?: number;
  /** Replaces the account's roles in its default group. */
  roles?: string[];
  password?: string;
}

interface Deps {
  db: Kysely<Database>;
  repo: TransferRepo;
  users: Pick<UsersRepo, 'byId'>;
  accounts: Pick<Accounts, 'setPassword' | 'endAllAccess'>;
  /** Read when used (the composition root builds profiles beside this). */
  profiles: () => Pick<Profiles, 'update'>;
  audit: AuditLog;
  defaultGroupId: () => number;
  /** Reads the account's access state into this node's memory (core/tokens/revocations.ts). */
  reread?: (userId: number) => Promise<void>;
}

const PAGE = 500;

const summary = (a: AccountListing): AccountSummary => ({
  id: a.user.uuid,
  username: a.user.username,
  email: a.user.email,
  status: STATUS_BY_NUMBER[a.user.status] ?? String(a.user.status),
  roles: a.roles,
  clients: a.clients,
});

/** The operator's view of accounts: a listing with status names, roles and clients; changes. */
export function userAdmin(d: Deps) {
  return {
    async list(): Promise<AccountSummary[]> {
      const out: AccountSummary[] = [];
      for (let after = 0; ; ) {
        const page: AccountListing[] = await d.repo.page(after, PAGE, false);
        if (!page.length) return out;
        out.push(...page.map(summary));
        after = page[page.length - 1]?.user.id ?? after;
      }
    },

    /** One account as the listing shows it (undefined once deleted). */
    async show(user: { id: number }): Promise<AccountSummary | undefined> {
      const [a] = await d.repo.page(user.id - 1, 1, false);
      return a?.user.id === user.id ? summary(a) : undefined;
    },

    /**
     * Changes profile fields (with the rules every dialect shares), the display name, the status,
     * the roles and the password. Roles are checked before anything is written. Blocking the
     * account or setting its password ends its sessions in every dialect.
     */
    async update(user: UserRow, change: AdminChange, by: { via: string }): Promise<UserRow> {
      const { name, status, roles, password, ...profile } = change;
      let roleIds: number[] | undefined;
      if (roles) {
        const known = await d.repo.roles();
        const unknown = roles.filter((r) => !known.has(r));
        if (unknown.length) fail('invalid_input', `unknown role ${unknown.join(', ')}`, { field: 'role' });
        roleIds = roles.map((r) => known.get(r) as number);
      }
      let current = Object.keys(profile).length ? await d.profiles().update(user, profile, { userId: null }) : user;
      const now = Date.now();
      if (name !== undefined || status !== undefined) {
        const updated = await d.repo.update(d.db, user.id, { ...(name !== undefined && { name }), ...(status !== undefined && { status }) }, now);
        if (!updated) fail('not_found', 'No such account');
        current = updated as UserRow;
      }
      if (roleIds) await d.repo.setGroupRoles(d.db, randomUUID(), user.id, current.default_group_id ?? d.defaultGroupId(), roleIds, now);
      d.repo.touched();
      if (status !== undefined && status !== user.status) {
        await d.audit.record({ userId: user.id, module: 'account', level: 'info', message: 'Status changed', data: { from: user.status, to: status, via: by.via } });
        // This node knows at once (a block holds, an unblock lets the account in); the others from the feed.
        await d.reread?.(user.id);
        if (isBlocked(current) && !isBlocked(user)) await d.accounts.endAllAccess(current);
      }
      if (roles) await d.audit.record({ userId: user.id, module: 'account', level: 'info', message: 'Roles changed', data: { roles, via: by.via } });
      if (password !== undefined) await d.accounts.setPassword(current, password, { via: by.via, allowSame: true });
      return (await d.users.byId(user.id)) ?? current;
    },
  };
}
export type UserAdmin = ReturnType<typeof userAdmin>;
