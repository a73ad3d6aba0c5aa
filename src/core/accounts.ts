import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { UniqueViolation, type UserRow, type UsersRepo } from '../store/users.js';
import type { RbacRepo, AccessRow } from '../store/rbac.js';
import type { SessionsRepo } from '../store/sessions.js';
import type { PasswordHasher } from './passwords.js';
import type { LoginThrottle } from './throttle.js';
import type { RevocationList } from './revocations.js';
import type { AuditLog } from './audit.js';
import { CoreError, fail } from './errors.js';
import { STATUS } from './permissions.js';

export interface NewAccount {
  username: string;
  password?: string;
  email?: string | null;
  phone?: string | null;
  name?: string | null;
  firstName?: string | null;
  middleName?: string | null;
  lastName?: string | null;
  bio?: string | null;
  dob?: string | null;
  gender?: string | null;
  status?: number;
  roles?: string[];
  permissions?: string[];
  clientIds?: number[];
}

export interface Profile {
  user: UserRow;
  access: AccessRow;
  clientIds: number[];
}

export const normalize = (s: string): string => s.trim().toLowerCase();
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[1-9]\d{1,14}$/;
const DOB = /^\d{4}-\d{2}-\d{2}$/;

/** The one rule every dialect shares; stronger ones (basic's complexity) sit in that dialect's schema. */
function checkPassword(password: string): void {
  if (password.length < 1 || password.length > 1024) fail('invalid_input', 'password must be 1 to 1024 characters', { field: 'password' });
}

interface Deps {
  db: Kysely<Database>;
  users: UsersRepo;
  rbac: RbacRepo;
  sessions: SessionsRepo;
  hasher: PasswordHasher;
  throttle: LoginThrottle;
  revocations: RevocationList;
  audit: AuditLog;
  defaultGroupId: () => number;
}

/** Accounts and passwords, shared by every dialect. */
export function accounts(d: Deps) {
  async function verifyAndUpgrade(user: UserRow | undefined, password: string): Promise<boolean> {
    const stored = user ? await d.users.passwordHash(user.id) : null;
    const ok = await d.hasher.verify(stored, password);
    if (ok && user && stored && d.hasher.needsRehash(stored)) {
      // A legacy bcrypt (or weaker argon2) hash becomes the current argon2id on first use.
      await d.users.upgradePasswordHash(user.id, stored, await d.hasher.hash(password));
    }
    return ok;
  }

  async function revokeAllSessions(userId: number): Promise<void> {
    const now = Date.now();
    for (const id of await d.sessions.liveSessionIdsOfUser(userId, now)) {
      for (const t of await d.sessions.revoke(id, now)) await d.revocations.revokeHash(t.sig, t.exp);
    }
  }

  return {
    async create(input: NewAccount): Promise<UserRow> {
      const username = input.username.trim();
      if (!username || username.length > 256) fail('invalid_input', 'username must be 1 to 256 characters', { field: 'username' });
      if (input.password !== undefined) checkPassword(input.password);
      if (input.email && !EMAIL.test(input.email)) fail('invalid_input', 'email is not valid', { field: 'email' });
      if (input.phone && !PHONE.test(input.phone)) fail('invalid_input', 'phone is not valid', { field: 'phone' });
      if (input.dob && (!DOB.test(input.dob) || Number.isNaN(Date.parse(input.dob)))) fail('invalid_input', 'dob must be YYYY-MM-DD', { field: 'dob' });
      if (input.gender && !['M', 'F', 'O'].includes(input.gender)) fail('invalid_input', 'gender must be M, F or O', { field: 'gender' });
      const hash = input.password !== undefined ? await d.hasher.hash(input.password) : null;
      const now = Date.now();
      try {
        return await d.db.transaction().execute(async (trx) => {
          const user = await d.users.insert(trx, {
            uuid: randomUUID(),
            username,
            username_norm: normalize(username),
            email: input.email?.trim() || null,
            email_norm: input.email ? normalize(input.email) : null,
            phone: input.phone || null,
            name: input.name ?? null,
            first_name: input.firstName ?? null,
            middle_name: input.middleName ?? null,
            last_name: input.lastName ?? null,
            bio: input.bio ?? null,
            gender: input.gender ?? null,
            dob: input.dob ?? null,
            locale: null,
            status: input.status ?? STATUS.active,
            default_group_id: d.defaultGroupId(),
            email_verified_at: null,
            created_at: now,
            updated_at: now,
          });
          if (hash) await d.users.setPasswordHash(trx, user.id, hash, now);
          const roleIds: number[] = [];
          for (const slug of input.roles?.length ? input.roles : ['user']) {
            const roleId = await d.rbac.roleId(trx, slug);
            if (roleId === undefined) throw new CoreError('invalid_input', `unknown role ${slug}`, { field: 'role' });
            roleIds.push(roleId);
          }
          await d.rbac.addMembership(trx, randomUUID(), user.id, d.defaultGroupId(), roleIds);
          for (const p of input.permissions ?? []) await d.rbac.setUserScope(trx, user.id, await d.rbac.ensureScope(trx, p), true);
          for (const c of input.clientIds ?? []) await d.users.allowClient(trx, user.id, c);
          return user;
        });
      } catch (e) {
        if (e instanceof UniqueViolation) fail('taken', `${e.field} already taken`, { field: e.field });
        throw e;
      }
    },

    /**
     * Checks a password under the login throttle. `by` picks the identifier: ARC signs in by
     * username (lower-cased), basic by email. `fallback` is tried when the password is wrong
     * (ARC's OTP-as-password); it must return the user or undefined.
     */
    async authenticate(opts: {
      login: string;
      by: 'username' | 'email';
      password: string;
      ip?: string;
      fallback?: () => Promise<UserRow | undefined>;
    }): Promise<UserRow> {
      if (!opts.login || !opts.password) fail('missing_credentials', 'Missing credentials');
      const norm = normalize(opts.login);
      const user = opts.by === 'email' ? await d.users.byEmail(norm) : await d.users.byUsername(norm);
      // One counter per account, whichever identifier or dialect the guesses come through.
      const key = user ? `user:${user.id}` : `${opts.by}:${norm}`;
      return d.throttle.attempt(key, opts.ip, async () => {
        if (await verifyAndUpgrade(user, opts.password)) return user as UserRow;
        const viaFallback = opts.fallback ? await opts.fallback() : undefined;
        if (viaFallback) return viaFallback;
        await d.audit.record({ userId: user?.id ?? null, module: 'auth', level: 'warn', message: 'Failed login', ip: opts.ip ?? null });
        return fail('invalid_credentials', 'Invalid Credentials');
      });
    },

    /** Verifies a password without throttling bookkeeping (for change-password's old password). */
    checkPassword: async (user: UserRow, password: string) => verifyAndUpgrade(user, password),

    /**
     * Sets a new password. With `oldPassword` it must match; the new one must differ from the
     * current one. Other sessions of the account end when `endSessions` is set.
     */
    async setPassword(user: UserRow, password: string, opts: { oldPassword?: string; endSessions?: boolean; ip?: string; via: string }): Promise<void> {
      checkPassword(password);
      const stored = await d.users.passwordHash(user.id);
      if (opts.oldPassword !== undefined && !(await d.hasher.verify(stored, opts.oldPassword))) fail('password_incorrect', 'Incorrect Password');
      if (stored && (await d.hasher.verify(stored, password))) fail('password_same', 'Password cannot be same as previous password!');
      const hash = await d.hasher.hash(password);
      await d.users.setPasswordHash(d.db, user.id, hash, Date.now());
      if (opts.endSessions) await revokeAllSessions(user.id);
      await d.audit.record({ userId: user.id, module: 'local', level: 'info', message: 'Password changed', data: { via: opts.via }, ip: opts.ip ?? null });
    },

    async profile(userId: number): Promise<Profile | undefined> {
      const user = await d.users.byId(userId);
      if (!user) return undefined;
      const [access, clientIds] = await Promise.all([d.rbac.access(user.id, user.default_group_id), d.users.clientIds(user.id)]);
      return { user, access, clientIds };
    },

    byId: (id: number) => d.users.byId(id),
    byUuid: (uuid: string) => d.users.byUuid(uuid),
    byUsername: (username: string) => d.users.byUsername(normalize(username)),
    byExactUsername: (username: string) => d.users.byExactUsername(username),
    byEmail: (email: string) => d.users.byEmail(normalize(email)),
    list: () => d.users.list(),
    touchLastLogin: (userId: number) => d.users.touchLastLogin(userId, Date.now()),
    async remove(user: UserRow): Promise<void> {
      await revokeAllSessions(user.id);
      await d.users.softDelete(user.id, Date.now());
    },
    allowClient: (userId: number, clientId: number) => d.users.allowClient(d.db, userId, clientId),
    revokeAllSessions,
  };
}
export type Accounts = ReturnType<typeof accounts>;
