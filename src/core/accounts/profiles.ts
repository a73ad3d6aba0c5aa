import type { ColumnMap, Filter } from '../../store/filter.js';
import { UniqueViolation, type ProfileUpdate, type UserRow, type UsersRepo } from '../../store/users.js';
import type { AuditLog } from '../audit.js';
import { fail } from '../errors.js';
import { EMAIL, normalize } from './accounts.js';
import type { AccountCache } from './account-cache.js';

const PHONE = /^\+?[1-9]\d{1,14}$/;
const TEXT_MAX = 256;

/** The profile fields of an account, by their Feathers names (null clears an optional one). */
export interface ProfileChange {
  username?: string;
  email?: string | null;
  phone?: string | null;
  first_name?: string | null;
  middle_name?: string | null;
  last_name?: string | null;
  picture?: string | null;
  locale?: string | null;
}

/** What list endpoints may filter and sort accounts by. */
export const ACCOUNT_COLUMNS: ColumnMap = {
  id: { column: 'id', type: 'number' },
  username: { column: 'username', type: 'string' },
  email: { column: 'email', type: 'string' },
  phone: { column: 'phone', type: 'string' },
  first_name: { column: 'first_name', type: 'string' },
  middle_name: { column: 'middle_name', type: 'string' },
  last_name: { column: 'last_name', type: 'string' },
  picture: { column: 'picture', type: 'string' },
  locale: { column: 'locale', type: 'string' },
  email_verified_at: { column: 'email_verified_at', type: 'date' },
  phone_verified_at: { column: 'phone_verified_at', type: 'date' },
  created_at: { column: 'created_at', type: 'date' },
  updated_at: { column: 'updated_at', type: 'date' },
};

function text(field: string, v: string | null | undefined, required = false): string | null | undefined {
  if (v === undefined) return undefined;
  if (v === null || v === '') {
    if (required) fail('invalid_input', `${field} must not be empty`, { field });
    return null;
  }
  if (v.length > TEXT_MAX) fail('invalid_input', `${field} must be at most ${TEXT_MAX} characters`, { field });
  return v;
}

/**
 * Profiles: reading accounts page by page and changing their profile fields, with the rules
 * every dialect shares (formats, uniqueness, a changed address is no longer verified).
 */
export function profiles(d: { users: UsersRepo; audit: AuditLog; cache: AccountCache }) {
  return {
    /** A live account to show (cached: see account-cache.ts); not for deciding access or before a write. */
    show: (id: number): Promise<UserRow | undefined> => d.cache.byId(id),
    page: (filter: Filter) => d.users.page(filter, ACCOUNT_COLUMNS),
    count: () => d.users.countLive(),
    async update(user: UserRow, change: ProfileChange, by: { userId: number | null; ip?: string | null }): Promise<UserRow> {
      const v: ProfileUpdate = {};
      const username = text('username', change.username, true);
      if (username) {
        v.username = username.trim();
        v.username_norm = normalize(username);
      }
      const email = text('email', change.email);
      if (email !== undefined) {
        if (email !== null && !EMAIL.test(email)) fail('invalid_input', 'email is not valid', { field: 'email' });
        v.email = email?.trim() ?? null;
        v.email_norm = email ? normalize(email) : null;
        if (v.email_norm !== user.email_norm) v.email_verified_at = null;
      }
      const phone = text('phone', change.phone);
      if (phone !== undefined) {
        if (phone !== null && !PHONE.test(phone)) fail('invalid_input', 'phone is not valid', { field: 'phone' });
        v.phone = phone;
        if (phone !== user.phone) v.phone_verified_at = null;
      }
      for (const f of ['first_name', 'middle_name', 'last_name', 'picture', 'locale'] as const) {
        const t = text(f, change[f]);
        if (t !== undefined) v[f] = t;
      }
      if (Object.keys(v).length === 0) return user;
      try {
        const updated = await d.users.update(user.id, v, Date.now());
        if (!updated) return fail('not_found', 'No such account');
        await d.audit.record({ userId: user.id, module: 'account', level: 'info', message: 'Profile updated', data: { fields: Object.keys(change), by: by.userId }, ip: by.ip ?? null });
        return updated;
      } catch (e) {
        if (e instanceof UniqueViolation) return fail('taken', `${e.field} already taken`, { field: e.field });
        throw e;
      }
    },
  };
}
export type Profiles = ReturnType<typeof profiles>;
