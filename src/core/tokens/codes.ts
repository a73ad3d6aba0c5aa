import type { CodeRow, CodesRepo } from '../../store/codes.js';
import { safeEqual, sha256, type SecretBox } from '../util/crypto.js';
import { fail } from '../errors.js';

/** `login_code`, `verify_code` and `reset_code`: short codes sent to an address (`accounts/address-codes.ts`). */
export type CodePurpose = 'auth_code' | 'reset' | 'signup' | 'otp' | 'onetime' | 'stipulation' | 'login_code' | 'verify_code' | 'reset_code';

/**
 * Every one-time secret, stored as a hash with purpose, expiry and consumption time.
 * `consume` is atomic: of concurrent uses exactly one succeeds.
 */
export function oneTimeCodes(repo: CodesRepo, box: SecretBox) {
  return {
    async issue(c: { purpose: CodePurpose; secret: string; ttlSec: number; userId?: number | null; clientId?: number | null; subject?: string | null; data?: unknown }): Promise<void> {
      const now = Date.now();
      await repo.insert({
        hash: sha256(c.secret),
        purpose: c.purpose,
        subject: c.subject ?? null,
        user_id: c.userId ?? null,
        client_id: c.clientId ?? null,
        data: c.data === undefined ? null : JSON.stringify(c.data),
        secret_enc: null,
        created_at: now,
        expires_at: now + c.ttlSec * 1000,
      });
    },
    /** State of a code without using it. */
    async peek(secret: string, purposes: CodePurpose[]): Promise<CodeRow | undefined> {
      const row = await repo.byHash(sha256(secret));
      return row && purposes.includes(row.purpose as CodePurpose) ? row : undefined;
    },
    /** Uses a code once. Unknown or expired → `token_expired`; already used → `token_revoked`. */
    async consume(secret: string, purposes: CodePurpose[]): Promise<CodeRow> {
      const row = await this.peek(secret, purposes);
      if (!row || row.expires_at <= Date.now()) return fail('token_expired', 'Token Expired');
      if (row.consumed_at !== null || !(await repo.consume(row.hash, Date.now()))) return fail('token_revoked', 'TokenRevoked');
      return row;
    },
    /** Uses a code that must belong to `userId`; false when it does not match a live one. */
    consumeFor: (secret: string, userId: number, purpose: CodePurpose) => repo.consumeFor(sha256(secret), userId, purpose, Date.now()),
    countLiveFor: (userId: number, purpose: CodePurpose) => repo.countLiveFor(userId, purpose, Date.now()),
    consumeAllFor: (userId: number, purpose: CodePurpose) => repo.consumeAllFor(userId, purpose, Date.now()),
    otp: {
      /** ARC `/otp-caches`: one live OTP per username, kept sealed so an admin can read it back. */
      async set(username: string, otp: string, ttlSec: number): Promise<void> {
        await repo.deleteFor('otp', username);
        const now = Date.now();
        await repo.insert({
          hash: sha256(`otp\0${username}\0${otp}`),
          purpose: 'otp',
          subject: username,
          user_id: null,
          client_id: null,
          data: null,
          secret_enc: box.seal(otp),
          created_at: now,
          expires_at: now + ttlSec * 1000,
        });
      },
      async get(username: string): Promise<string | undefined> {
        const row = await repo.live('otp', username, Date.now());
        return row?.secret_enc ? box.open(row.secret_enc) : undefined;
      },
      async matches(username: string, otp: string): Promise<boolean> {
        const row = await repo.live('otp', username, Date.now());
        return !!row && safeEqual(row.hash, sha256(`otp\0${username}\0${otp}`));
      },
      remove: (username: string) => repo.deleteFor('otp', username),
    },
    purgeExpired: () => repo.purgeExpired(Date.now()),
  };
}
export type OneTimeCodes = ReturnType<typeof oneTimeCodes>;
