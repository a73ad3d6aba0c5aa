import type { Core } from '../index.js';
import type { Account } from '../accounts/accounts.js';
import { fail } from '../errors.js';
import { STATUS, isBlocked } from '../rbac/permissions.js';
import { STATUS_BY_NUMBER } from '../accounts/user-records.js';

/** An account as the admin console lists it: never a hash, a TOTP key or a token. */
export interface AdminUser {
  id: number;
  uuid: string;
  username: string;
  email: string | null;
  phone: string | null;
  status: string;
  disabled: boolean;
  roles: string[];
  clients: string[];
  created_at: string;
  last_login_at: string | null;
}

const iso = (ms: number | null | undefined) => (typeof ms === 'number' ? new Date(ms).toISOString() : null);

/** The console's view of one account (roles and ARC clients from the operator's listing). */
export async function adminUser(core: Core, u: Account): Promise<AdminUser> {
  const s = await core.userAdmin.show(u);
  return {
    id: u.id,
    uuid: u.uuid,
    username: u.username,
    email: u.email,
    phone: u.phone,
    status: STATUS_BY_NUMBER[u.status] ?? String(u.status),
    disabled: isBlocked(u),
    roles: s?.roles ?? [],
    clients: s?.clients ?? [],
    created_at: iso(u.created_at) ?? '',
    last_login_at: iso(u.last_login_at),
  };
}

/**
 * Accounts whose username, email or phone contains `q` (case-insensitive), by id, a page of
 * them. The console's search; accounts are listed whole and filtered here, which is fine for the
 * operator's screen (it is not a hot path), and keeps every query in the store's own functions.
 */
export async function searchUsers(core: Core, q: string, skip: number, limit: number): Promise<{ total: number; data: AdminUser[] }> {
  const needle = q.trim().toLowerCase();
  const all = await core.accounts.list();
  const hits = needle ? all.filter((u) => [u.username, u.email, u.phone].some((f) => typeof f === 'string' && f.toLowerCase().includes(needle))) : all;
  const page = hits.slice(skip, skip + limit);
  return { total: hits.length, data: await Promise.all(page.map((u) => adminUser(core, u))) };
}

/** Disables (ARC status inactive: every dialect refuses its sign-in, its sessions end) or enables an account. */
export async function setDisabled(core: Core, u: Account, disabled: boolean): Promise<Account> {
  if (disabled === isBlocked(u)) return u;
  return core.userAdmin.update(u, { status: disabled ? STATUS.inactive : STATUS.active }, { via: 'admin-console' });
}

/** Ends every session and token of the account in every dialect (it stays enabled). */
export async function forceSignOut(core: Core, u: Account): Promise<void> {
  await core.accounts.endAllAccess(u);
  await core.audit.record({ userId: u.id, module: 'account', level: 'info', message: 'Signed out everywhere by an administrator', data: { via: 'admin-console' } });
}

/** Lets the account sign in through the ARC client (by its numeric id). */
export async function allowClient(core: Core, u: Account, clientId: number): Promise<void> {
  if (!(await core.clients.byId(clientId))) fail('not_found', 'No such client', { field: 'clientId' });
  await core.accounts.allowClient(u.id, clientId);
  await core.audit.record({ userId: u.id, module: 'account', level: 'info', message: 'ARC client allowed', data: { clientId, via: 'admin-console' } });
}

/**
 * Takes the ARC client (by its numeric id) off the account's allowed clients: its next sign-in
 * through that client is refused, and so is a refresh of a session made through it (both read
 * the allowed clients from the database on every request). Access tokens already issued run to
 * their expiry; "sign out everywhere" ends them too. Removing a client that was not allowed
 * changes nothing.
 */
export async function disallowClient(core: Core, u: Account, clientId: number): Promise<void> {
  if (!(await core.clients.byId(clientId))) fail('not_found', 'No such client', { field: 'clientId' });
  if (!(await core.accounts.disallowClient(u.id, clientId))) return;
  await core.audit.record({ userId: u.id, module: 'account', level: 'info', message: 'ARC client removed', data: { clientId, via: 'admin-console' } });
}
