import type { Account } from '../../../../core/accounts/accounts.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

// Rows of the account cache are shown again and again: their four dates are formatted once.
const views = new WeakMap<Account, UserView>();

/** A user as Feathers shows it, in the original's key order; never a password. A new object each call: callers trim it. */
export function userView(u: Account): UserView {
  let v = views.get(u);
  if (!v) {
    v = viewOf(u);
    views.set(u, v);
  }
  return { ...v };
}

function viewOf(u: Account) {
  return {
    id: u.id,
    username: u.username,
    first_name: u.first_name,
    middle_name: u.middle_name,
    last_name: u.last_name,
    picture: u.picture,
    locale: u.locale,
    phone: u.phone,
    email_verified_at: iso(u.email_verified_at),
    phone_verified_at: iso(u.phone_verified_at),
    created_at: iso(u.created_at),
    updated_at: iso(u.updated_at),
    email: u.email,
  };
}
export type UserView = ReturnType<typeof viewOf>;

/**
 * The fields another account's reader sees only with the matching `users_read_*` scope (the
 * original's field scopes): names, picture, email and phone.
 */
export const FIELD_SCOPES: Record<string, (keyof UserView)[]> = {
  users_read_full_name: ['first_name', 'middle_name', 'last_name'],
  users_read_picture: ['picture'],
  users_read_email: ['email', 'email_verified_at'],
  users_read_phone: ['phone', 'phone_verified_at'],
};
