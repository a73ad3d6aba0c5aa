import type { AccountColumns, AccountListing } from '../../store/transfer.js';
import { STATUS_NAMES } from '../rbac/permissions.js';
import { closest } from '../../util/closest.js';
import { EMAIL, normalize } from './accounts.js';

/**
 * One account in a users file: JSON Lines, one object a line (docs/cli.md "User files"). Export
 * writes every field; an import needs `username` only. Timestamps are ISO 8601 (epoch
 * milliseconds are accepted too), `status` a name (`active`) or ARC's number (1).
 */
export interface UserRecord {
  username: string;
  uuid?: string;
  email?: string | null;
  email_verified?: boolean;
  email_verified_at?: string | null;
  phone?: string | null;
  phone_verified?: boolean;
  name?: string | null;
  first_name?: string | null;
  middle_name?: string | null;
  last_name?: string | null;
  bio?: string | null;
  gender?: string | null;
  dob?: string | null;
  locale?: string | null;
  picture?: string | null;
  status?: string | number;
  roles?: string[];
  global_roles?: string[];
  permissions?: string[];
  denied_permissions?: string[];
  clients?: string[];
  password_hash?: string | null;
  created_at?: string | number;
}

/** A line that passed its checks: what an import writes. Absent fields are undefined (an update leaves them). */
export interface ParsedRecord {
  line: number;
  username: string;
  usernameNorm: string;
  emailNorm: string | null | undefined;
  uuid: string | undefined;
  /** Columns the line sets, besides the verification times (which depend on the account). */
  columns: AccountColumns;
  emailVerified: { at: number | null } | { flag: boolean } | undefined;
  phoneVerified: boolean | undefined;
  roles: string[] | undefined;
  globalRoles: string[] | undefined;
  clients: string[] | undefined;
  permissions: string[] | undefined;
  deniedPermissions: string[] | undefined;
  /** undefined: not given; null: no password. */
  passwordHash: string | null | undefined;
  createdAt: number | undefined;
}

/** The number of a status name (`password-change-needed` → 3), undefined for anything else. */
export const statusNumber = (name: string): number | undefined => (Object.hasOwn(STATUS_NAMES, name) ? STATUS_NAMES[name] : undefined);

export const STATUS_BY_NUMBER: Record<number, string> = Object.fromEntries(Object.entries(STATUS_NAMES).map(([name, n]) => [n, name]));

const FIELDS = [
  'username', 'uuid', 'email', 'email_verified', 'email_verified_at', 'phone', 'phone_verified', 'name', 'first_name', 'middle_name',
  'last_name', 'bio', 'gender', 'dob', 'locale', 'picture', 'status', 'roles', 'global_roles', 'permissions', 'denied_permissions',
  'clients', 'password_hash', 'created_at',
] as const satisfies readonly (keyof UserRecord)[];

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(Number(ms)).toISOString());

/** The record an export writes for an account (with its hash when the listing holds one). */
export function toRecord(a: AccountListing): UserRecord {
  const u = a.user;
  return {
    username: u.username,
    uuid: u.uuid,
    email: u.email,
    email_verified: u.email_verified_at !== null,
    email_verified_at: iso(u.email_verified_at),
    phone: u.phone,
    phone_verified: u.phone_verified_at !== null,
    name: u.name,
    first_name: u.first_name,
    middle_name: u.middle_name,
    last_name: u.last_name,
    bio: u.bio,
    gender: u.gender,
    dob: u.dob,
    locale: u.locale,
    picture: u.picture,
    status: STATUS_BY_NUMBER[u.status] ?? u.status,
    roles: a.roles,
    global_roles: a.globalRoles,
    permissions: a.permissions,
    denied_permissions: a.deniedPermissions,
    clients: a.clients,
    password_hash: a.passwordHash ?? null,
    created_at: iso(u.created_at) ?? undefined,
  };
}

/** A line that cannot be imported; the message never quotes a password hash. */
export class RecordError extends Error {}

const bad = (message: string): never => {
  throw new RecordError(message);
};

/**
 * Hashes the core verifies: argon2id (also argon2i/d, upgraded on the next sign-in) and bcrypt
 * `$2a$`, `$2b$`, `$2y$` (the ARC, basic and Feathers originals), checked for shape only.
 */
const HASH = [/^\$argon2(id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}$/, /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/];
const PHONE = /^\+?[1-9]\d{1,14}$/;
const DOB = /^\d{4}-\d{2}-\d{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Parses and checks one line (`line` counts from 1); throws RecordError saying what is wrong. */
export function parseRecord(text: string, line: number): ParsedRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // V8's message quotes the text, which may hold a hash.
    return bad('not a JSON object (each line holds one user)');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('not a JSON object (each line holds one user)');
  const r = raw as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if ((FIELDS as readonly string[]).includes(key)) continue;
    const hint = closest(key, FIELDS);
    bad(`unknown field "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
  }
  const has = (k: string) => r[k] !== undefined;
  const text_ = (k: string, max: number): string | null | undefined => {
    const v = r[k];
    if (v === undefined) return undefined;
    if (v === null || v === '') return null;
    if (typeof v !== 'string') return bad(`${k} must be a text or null`);
    if (v.length > max) bad(`${k} must be at most ${max} characters`);
    return v;
  };
  const list = (k: string): string[] | undefined => {
    const v = r[k];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === '')) return bad(`${k} must be a list of texts`);
    return [...new Set(v as string[])];
  };
  const flag = (k: string): boolean | undefined => {
    const v = r[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') return bad(`${k} must be true or false`);
    return v;
  };
  const time = (k: string): number | null | undefined => {
    const v = r[k];
    if (v === undefined) return undefined;
    if (v === null) return null;
    const ms = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
    if (!Number.isFinite(ms) || ms < 0) return bad(`${k} must be an ISO 8601 time or epoch milliseconds`);
    return Math.trunc(ms);
  };

  const username = (text_('username', 256) ?? '').trim();
  if (!username) bad('username is required');
  const email = text_('email', 256);
  if (email && !EMAIL.test(email)) bad('email is not valid');
  const phone = text_('phone', 32);
  if (phone && !PHONE.test(phone)) bad('phone is not valid (E.164: +4912345678)');
  const dob = text_('dob', 10);
  if (dob && (!DOB.test(dob) || Number.isNaN(Date.parse(dob)))) bad('dob must be YYYY-MM-DD');
  const gender = text_('gender', 1);
  if (gender && !['M', 'F', 'O'].includes(gender)) bad('gender must be M, F or O');
  const uuid = text_('uuid', 36) ?? undefined;
  if (uuid && !UUID.test(uuid)) bad('uuid is not a UUID');

  let status: number | undefined;
  if (has('status')) {
    const s = r.status;
    status = typeof s === 'number' ? (Object.hasOwn(STATUS_BY_NUMBER, s) ? s : undefined) : typeof s === 'string' ? statusNumber(s) : undefined;
    if (status === undefined) bad(`status must be one of ${Object.keys(STATUS_NAMES).join(', ')} (or 0 to 4)`);
  }

  let passwordHash: string | null | undefined;
  if (has('password_hash')) {
    const h = r.password_hash;
    if (h !== null && (typeof h !== 'string' || !HASH.some((re) => re.test(h)))) bad('password_hash is not an argon2 or bcrypt ($2a$/$2b$/$2y$) hash');
    passwordHash = h as string | null;
  }

  const emailVerifiedAt = time('email_verified_at');
  const emailFlag = flag('email_verified');
  const columns: AccountColumns = { username, username_norm: normalize(username) };
  if (email !== undefined) {
    columns.email = email?.trim() ?? null;
    columns.email_norm = email ? normalize(email) : null;
  }
  if (phone !== undefined) columns.phone = phone;
  if (dob !== undefined) columns.dob = dob;
  if (gender !== undefined) columns.gender = gender;
  if (status !== undefined) columns.status = status;
  for (const [k, max] of [['name', 256], ['first_name', 256], ['middle_name', 256], ['last_name', 256], ['locale', 32], ['bio', 2048], ['picture', 2048]] as const) {
    const v = text_(k, max);
    if (v !== undefined) columns[k] = v;
  }
  return {
    line,
    username,
    usernameNorm: normalize(username),
    emailNorm: columns.email_norm,
    uuid: uuid?.toLowerCase(),
    columns,
    emailVerified: emailVerifiedAt !== undefined ? { at: emailFlag === false ? null : emailVerifiedAt } : emailFlag !== undefined ? { flag: emailFlag } : undefined,
    phoneVerified: flag('phone_verified'),
    roles: list('roles'),
    globalRoles: list('global_roles'),
    clients: list('clients'),
    permissions: list('permissions'),
    deniedPermissions: list('denied_permissions'),
    passwordHash,
    createdAt: time('created_at') ?? undefined,
  };
}
