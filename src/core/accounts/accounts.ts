import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../store/schema.js';
import { UniqueViolation, type UserRow, type UsersRepo } from '../../store/users.js';
import type { RbacRepo, AccessRow } from '../../store/rbac.js';
import type { SessionsRepo } from '../../store/sessions.js';
import type { OauthTokensRepo } from '../../store/oauth-tokens.js';
import type { AccessEventsRepo } from '../../store/access-events.js';
import type { PasswordHasher } from './passwords.js';
import type { LoginThrottle } from '../throttle.js';
import type { RevocationList } from '../tokens/revocations.js';
import type { AuditLog } from '../audit.js';
import type { Totp } from './totp.js';
import type { SecretBox } from '../util/crypto.js';
import type { OneTimeCodes } from '../tokens/codes.js';
import { CoreError, fail } from '../errors.js';
import { STATUS, isBlocked } from '../rbac/permissions.js';

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
  /** For the audit trail. */
  ip?: string | null;
  /** When the email was verified (a provider that asserts it, core/federation). */
  emailVerifiedAt?: number | null;
}

/**
 * An account as core hands it to dialects: the users row. Dialects name it `Account`, never
 * the store's `UserRow`, because apis/ never imports store/ (`.dependency-cruiser.cjs`).
 */
export type Account = UserRow;

/** The local (username and password) login of an account. */
export interface LocalLogin {
  /** The lower-cased username it signs in with. */
  username: string;
  /** Whether a TOTP second factor is enrolled. */
  totp: boolean;
}

export interface Profile {
  user: UserRow;
  access: AccessRow;
  clientIds: number[];
}

export const normalize = (s: string): string => s.trim().toLowerCase();
/** The shape every dialect accepts as an email address. */
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
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
  oauthTokens: Pick<OauthTokensRepo, 'revokeUser'>;
  accessEvents: Pick<AccessEventsRepo, 'cutOff'>;
  hasher: PasswordHasher;
  throttle: LoginThrottle;
  revocations: RevocationList;
  audit: AuditLog;
  totp: Totp;
  box: SecretBox;
  codes: OneTimeCodes;
  defaultGroupId: () => number;
}

/** simple-auth's audit module for local logins; every dialect writes the same events. */
export const LOCAL = 'auth:simple';

/** Accounts and passwords, shared by every dialect. */
export function accounts(d: Deps) {
  /** The account's sealed TOTP (or null) when the password matches; undefined when it does not. */
  async function verifyAndUpgrade(user: UserRow | undefined, password: string): Promise<{ totp: string | null } | undefined> {
    // An unknown account reads (no) credentials too: the same queries and the same hash either way.
    const found = await d.users.credentials(user?.id ?? 0);
    const creds = user ? found : undefined;
    const stored = creds?.password_hash ?? null;
    const ok = await d.hasher.verify(stored, password);
    if (ok && user && stored && d.hasher.needsRehash(stored)) {
      // A legacy bcrypt (or weaker argon2) hash becomes the current argon2id on first use.
      await d.users.upgradePasswordHash(user.id, stored, await d.hasher.hash(password));
    }
    return ok ? { totp: creds?.totp_enc ?? null } : undefined;
  }

  async function revokeAllSessions(userId: number, keepSessionId?: number): Promise<void> {
    const now = Date.now();
    for (const id of await d.sessions.liveSessionIdsOfUser(userId, now)) {
      if (id === keepSessionId) continue;
      for (const t of await d.sessions.revoke(id, now)) await d.revocations.revokeHash(t.sig, t.exp);
    }
  }

  /**
   * Ends every session of an account in every dialect: refresh families and their access
   * tokens, OAuth2 tokens, and (through the cut-off) the unstored session cookies. The cut-off
   * is the next whole second, because cookies carry their time in seconds: one issued in this
   * second, before or after now, is dead too (web sessions wait for the next second).
   */
  async function endAllAccess(user: { id: number; uuid: string }, keepSessionId?: number): Promise<void> {
    const at = Math.ceil(Date.now() / 1000) * 1000;
    d.revocations.noteCutOff(user.uuid, at);
    await d.accessEvents.cutOff(user.id, at);
    await endStoredSessions(user.id, keepSessionId);
  }

  /**
   * The stored part of `endAllAccess`: what a block seen on the feed ends (the trigger set the
   * cut-off). Codes not yet exchanged go too: one obtained with a stolen password must not
   * outlive the block or the reset that answers it.
   */
  async function endStoredSessions(userId: number, keepSessionId?: number): Promise<void> {
    await revokeAllSessions(userId, keepSessionId);
    await d.oauthTokens.revokeUser(userId, Date.now());
    for (const purpose of ['auth_code', 'onetime', 'reset', 'login_code', 'reset_code'] as const) await d.codes.consumeAllFor(userId, purpose);
  }

  return {
    /** `within` runs in the account's transaction (federation links the identity there: all or nothing). */
    async create(input: NewAccount, within?: (trx: Transaction<Database>, user: UserRow) => Promise<void>): Promise<UserRow> {
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
            email_verified_at: input.email ? (input.emailVerifiedAt ?? null) : null,
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
          for (const c of input.clientIds ?? []) {
            if (!(await d.users.clientExists(trx, c))) throw new CoreError('invalid_input', `unknown client ${c}`, { field: 'clientIds' });
            await d.users.allowClient(trx, user.id, c);
          }
          await within?.(trx, user);
          return user;
        }).then(async (user) => {
          await d.audit.record({ userId: user.id, module: 'account', level: 'info', message: 'Account created', ip: input.ip ?? null });
          if (hash) await d.audit.record({ userId: user.id, module: LOCAL, level: 'info', message: `Associated username: ${user.username_norm}`, ip: input.ip ?? null });
          return user;
        });
      } catch (e) {
        if (e instanceof UniqueViolation) fail('taken', `${e.field} already taken`, { field: e.field });
        throw e;
      }
    },

    /**
     * Checks a password under the login throttle. `by` picks the identifier: ARC signs in by
     * username (lower-cased), basic by email, simple by email then username. `fallback` is tried
     * when the password is wrong (ARC's OTP-as-password); it must return the user or undefined.
     * `totp` is the second factor sent, or undefined where the dialect has no field for it (then
     * an account with TOTP cannot sign in by password there). `checkStipulations` refuses accounts
     * with a pending email verification (simple-auth's order: after the password, before TOTP).
     */
    async authenticate(opts: {
      login: string;
      by: 'username' | 'email' | 'phone' | 'either';
      password: string;
      ip?: string;
      /** The device cookie's id (`throttle.deviceId`): trusted after a sign-in from it. */
      device?: string;
      totp?: string | null;
      checkStipulations?: boolean;
      fallback?: () => Promise<UserRow | undefined>;
      /** Runs once the account is known, before the password (simple checks `inactive` there). */
      precheck?: (user: UserRow) => void;
    }): Promise<UserRow> {
      if (!opts.login || !opts.password) fail('missing_credentials', 'Missing credentials');
      const user = await this.lookup(opts.login, opts.by);
      // One counter per account, whichever identifier or dialect the guesses come through.
      const key = user ? `user:${user.id}` : `${opts.by}:${normalize(opts.login)}`;
      return d.throttle.account(key, { ip: opts.ip, device: opts.device }, async () => {
        if (user && opts.precheck) opts.precheck(user);
        const verified = await verifyAndUpgrade(user, opts.password);
        let who: UserRow | undefined = verified ? user : undefined;
        if (!who && opts.fallback) who = await opts.fallback();
        const ip = opts.ip ?? null;
        if (!who) {
          if (user) await d.audit.record({ userId: user.id, module: LOCAL, level: 'warn', message: 'Login failed', ip });
          return fail('invalid_credentials', 'Invalid Credentials');
        }
        if (opts.checkStipulations && (await d.codes.countLiveFor(who.id, 'stipulation')) > 0) fail('stipulations', 'unsatisfied-stipulations');
        const sealed = verified && who === user ? verified.totp : await d.users.totp(who.id);
        if (sealed) {
          if (opts.totp === undefined) {
            // This dialect cannot carry a second factor: refusing is the only safe answer.
            await d.audit.record({ userId: who.id, module: LOCAL, level: 'warn', message: 'TOTP Rejected', ip });
            fail('invalid_credentials', 'Invalid Credentials');
          }
          if (!opts.totp) fail('totp_missing', 'totp-missing');
          if (!d.totp.check(d.totp.secretOf(d.box.open(sealed)), String(opts.totp))) {
            await d.audit.record({ userId: who.id, module: LOCAL, level: 'warn', message: 'TOTP Rejected', ip });
            fail('totp_failed', 'totp-failed');
          }
        }
        await d.audit.record({ userId: who.id, module: LOCAL, level: 'info', message: 'Login Successful', ip });
        return who;
      });
    },

    /**
     * simple-auth's AssertLogin (session login, /auth/simple, the OAuth2 password grant): email or
     * username, then inactive, password, stipulations and TOTP, in the original's order.
     */
    assertLogin(opts: { login: string; password: string; totp: string | null; ip?: string; device?: string }): Promise<UserRow> {
      return this.authenticate({
        ...opts,
        by: 'either',
        checkStipulations: true,
        precheck: (u) => {
          if (isBlocked(u)) fail('user_inactive', 'inactive-account');
        },
      });
    },

    /** An account by username (lower-cased), by email, by phone (exact), or (simple-auth) by email then username. */
    async lookup(login: string, by: 'username' | 'email' | 'phone' | 'either'): Promise<UserRow | undefined> {
      if (by === 'phone') return d.users.byPhone(login.trim());
      const norm = normalize(login);
      if (by === 'username') return d.users.byUsername(norm);
      if (by === 'email') return d.users.byEmail(norm);
      return (await d.users.byEmail(norm)) ?? d.users.byUsername(norm);
    },

    /** Verifies a password without throttling bookkeeping (a reset's "not the same password" check). */
    checkPassword: async (user: UserRow, password: string) => (await verifyAndUpgrade(user, password)) !== undefined,

    /**
     * Sets a new password and ends every session of the account (all dialects); the dialect
     * whose session made the change may start a new one. With `oldPassword` it must match, and
     * a wrong one counts as a failed sign-in of the account. The new one must differ from the
     * current one unless `allowSame`.
     */
    async setPassword(
      user: UserRow,
      password: string,
      opts: { oldPassword?: string; ip?: string; device?: string; via: string; allowSame?: boolean; /** The stored session that made the change goes on (Feathers). */ keepSessionId?: number },
    ): Promise<void> {
      checkPassword(password);
      const stored = await d.users.passwordHash(user.id);
      const old = opts.oldPassword;
      if (old !== undefined) {
        await d.throttle.account(`user:${user.id}`, { ip: opts.ip, device: opts.device }, async () => {
          if (!(await d.hasher.verify(stored, old))) fail('password_incorrect', 'Incorrect Password');
        });
      }
      if (!opts.allowSame && stored && (await d.hasher.verify(stored, password))) fail('password_same', 'Password cannot be same as previous password!');
      const hash = await d.hasher.hash(password);
      await d.users.setPasswordHash(d.db, user.id, hash, Date.now());
      await endAllAccess(user, opts.keepSessionId);
      await d.audit.record({ userId: user.id, module: LOCAL, level: 'info', message: 'Password updated', data: { via: opts.via }, ip: opts.ip ?? null });
    },

    async profile(userId: number): Promise<Profile | undefined> {
      const user = await d.users.byId(userId);
      if (!user) return undefined;
      const [access, clientIds] = await Promise.all([d.rbac.access(user.id, user.default_group_id), d.users.clientIds(user.id)]);
      return { user, access, clientIds };
    },

    /**
     * Whether `user` (the row its credentials were checked against) still holds: not blocked, not
     * deleted, and no password change or block since (its cut-off unchanged). Asked after a new
     * session is stored, so a login that checked the old password while the password changed
     * cannot slip a session past the change: either the change's revocation sees the session, or
     * this sees the change.
     */
    async stillCurrent(user: { id: number; sessions_not_before: number | null }): Promise<boolean> {
      const now = await d.users.byId(user.id);
      return now !== undefined && !isBlocked(now) && Number(now.sessions_not_before ?? 0) === Number(user.sessions_not_before ?? 0);
    },
    byId: (id: number) => d.users.byId(id),
    byUuid: (uuid: string) => d.users.byUuid(uuid),
    byUsername: (username: string) => d.users.byUsername(normalize(username)),
    byExactUsername: (username: string) => d.users.byExactUsername(username),
    byEmail: (email: string) => d.users.byEmail(normalize(email)),
    list: () => d.users.list(),
    /** The account's local login, or undefined when it has no password (signs in only through a provider). */
    async localView(user: UserRow): Promise<LocalLogin | undefined> {
      const creds = await d.users.credentials(user.id);
      if (creds?.password_hash == null) return undefined;
      return { username: user.username_norm, totp: creds.totp_enc !== null };
    },
    /** The external (provider, subject) identities linked to the account, in the order they were linked. */
    identities: (userId: number) => d.users.identities(userId),
    touchLastLogin: (userId: number) => d.users.touchLastLogin(userId, Date.now()),
    async remove(user: UserRow): Promise<void> {
      await d.users.softDelete(user.id, Date.now());
      await endAllAccess(user);
    },
    allowClient: (userId: number, clientId: number) => d.users.allowClient(d.db, userId, clientId),
    /** Removes an allowed ARC client: the account's next sign-in or refresh through it is refused (read per request, no cache). */
    disallowClient: (userId: number, clientId: number): Promise<boolean> => d.users.disallowClient(d.db, userId, clientId),
    endAllAccess,
    endStoredSessions,
  };
}
export type Accounts = ReturnType<typeof accounts>;
