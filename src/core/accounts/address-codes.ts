import { randomInt } from 'node:crypto';
import type { UserRow } from '../../store/users.js';
import type { Accounts } from './accounts.js';
import type { AuditLog } from '../audit.js';
import type { OneTimeCodes, CodePurpose } from '../tokens/codes.js';
import type { Mailer } from '../notify/mailer.js';
import type { MailKind, MailQuota } from '../notify/quota.js';
import type { SmsSender } from '../notify/sms.js';
import type { LoginThrottle, Source } from '../throttle.js';
import { fail } from '../errors.js';
import { isBlocked } from '../rbac/permissions.js';
import { normalize } from './accounts.js';

/** Where a code goes: an account's email address or its phone number, as the caller typed it. */
export interface Address {
  channel: 'email' | 'phone';
  value: string;
}

/** What a code is for. Each has its own purpose in the codes table and in its hash, so a code of one never works as another. */
export type CodeUse = 'login' | 'verify' | 'reset';

const USES: Record<CodeUse, { purpose: CodePurpose; kind: MailKind; digits: number }> = {
  login: { purpose: 'login_code', kind: 'login_code', digits: 6 },
  verify: { purpose: 'verify_code', kind: 'verify_code', digits: 6 },
  // A recovery code sets a password: longer, although its checks are throttled like the others.
  reset: { purpose: 'reset_code', kind: 'reset_code', digits: 10 },
};

/** The text of a message carrying `code`, by the channel it goes through. */
export interface CodeMessage {
  subject: string;
  /** The mail body. */
  text: string;
  /** The SMS, short. */
  sms: string;
}

const BAD_CODE = 'Invalid code';

/** "10 minutes", "1 hour", "24 hours": a lifetime in words for the messages. */
export function lifetimeText(seconds: number): string {
  if (seconds < 3600 || seconds % 3600 !== 0) {
    const m = Math.max(1, Math.round(seconds / 60));
    return `${m} minute${m === 1 ? '' : 's'}`;
  }
  const h = seconds / 3600;
  return `${h} hour${h === 1 ? '' : 's'}`;
}

/**
 * Short numeric codes sent to an account's email address or phone, for signing in, verifying
 * the address and recovering the password. A code is stored only as a hash bound to its use,
 * account and address (so it works for nothing else, and not after the address changed), with
 * an expiry; it is used once (of parallel uses exactly one wins), and a new code of the same use
 * replaces the account's earlier ones. Checks count as sign-in attempts of the account under the
 * login throttle (decision 14): six digits cannot be guessed, and guesses from elsewhere do not
 * lock the owner's trusted devices. A blocked account gets no code, and no code works for it.
 */
export function addressCodes(d: {
  accounts: Pick<Accounts, 'lookup'>;
  codes: OneTimeCodes;
  mail: Pick<Mailer, 'send'>;
  mailQuota: MailQuota;
  sms: SmsSender;
  throttle: Pick<LoginThrottle, 'account'>;
  audit: AuditLog;
}) {
  /** The address as accounts store it for lookups: email lower-cased, phone as is. */
  const norm = (a: Address) => (a.channel === 'email' ? normalize(a.value) : a.value.trim());
  const secretOf = (use: CodeUse, userId: number, a: Address, code: string) => `${USES[use].purpose}\0${userId}\0${a.channel}\0${norm(a)}\0${code}`;
  const lookup = (a: Address) => d.accounts.lookup(a.value, a.channel);

  /** Stores a new code for `user` at `a` and returns it; earlier codes of this use stop working. */
  async function store(use: CodeUse, user: UserRow, a: Address, ttlSec: number): Promise<string> {
    const { purpose, digits } = USES[use];
    await d.codes.consumeAllFor(user.id, purpose);
    // The hash is the key of the codes table: a new code equal to an old one still stored (a
    // one-in-a-million draw) would not insert, so it draws again.
    for (let attempt = 1; ; attempt++) {
      const code = String(randomInt(0, 10 ** digits)).padStart(digits, '0');
      try {
        await d.codes.issue({ purpose, secret: secretOf(use, user.id, a, code), ttlSec, userId: user.id, subject: a.channel });
        return code;
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
  }

  return {
    /**
     * Sends a `use` code to `to` if it is a live, unblocked account's address. The caller answers
     * the same either way: the request is counted alike (the mail quota, which also caps sending
     * per recipient and per client address), and the code is made and sent after the answer.
     * A phone request without SMS is refused before anything is looked up.
     */
    async send(use: CodeUse, to: Address, o: { ip?: string; ttlSec: number; message: (code: string) => CodeMessage }): Promise<void> {
      if (to.channel === 'phone' && !d.sms.configured) fail('invalid_input', 'SMS is not configured', { field: 'phone' });
      const user = await lookup(to);
      const recipient = `${to.channel}:${norm(to)}`;
      await d.mailQuota.later(USES[use].kind, recipient, o.ip, async () => {
        if (!user || isBlocked(user)) return;
        // The account's own address: what was looked up by, as stored.
        const address = to.channel === 'email' ? user.email : user.phone;
        if (!address) return;
        const code = await store(use, user, to, o.ttlSec);
        const m = o.message(code);
        if (to.channel === 'email') await d.mail.send({ to: address, subject: m.subject, text: m.text });
        else await d.sms.send({ to: address, message: m.sms });
        await d.audit.record({ userId: user.id, module: 'account', level: 'info', message: `One-time code sent (${use}, ${to.channel})`, ip: o.ip ?? null });
      });
    },

    /**
     * Uses a `use` code sent to `at`, under the login throttle of its account (of the typed
     * address when there is none, so unknown and known addresses answer alike). A wrong, used or
     * replaced code, an unknown address and a blocked account fail alike with
     * `invalid_credentials` (counted); an expired one with `code_expired`. `before` runs once
     * the code is known to be right and before it is used (a second factor, the new password's
     * rules): what it refuses leaves the code usable.
     */
    async redeem(use: CodeUse, at: Address, code: string, src: Source, before?: (user: UserRow) => Promise<void>): Promise<UserRow> {
      const { purpose, digits } = USES[use];
      const user = await lookup(at);
      // One counter per account, whichever address or dialect the guesses come through.
      const key = user ? `user:${user.id}` : `${at.channel}:${norm(at)}`;
      return d.throttle.account(key, src, async () => {
        if (code.length !== digits || !/^\d+$/.test(code)) return fail('invalid_credentials', BAD_CODE);
        // An unknown address reads (no) code too: the same query either way.
        const secret = secretOf(use, user?.id ?? 0, at, code);
        const row = await d.codes.peek(secret, [purpose]);
        if (!user || isBlocked(user) || !row || row.user_id !== user.id || row.consumed_at !== null) {
          if (user) await d.audit.record({ userId: user.id, module: 'account', level: 'warn', message: `One-time code rejected (${use})`, ip: src.ip ?? null });
          return fail('invalid_credentials', BAD_CODE);
        }
        // Only whoever holds the right code learns that it expired.
        if (row.expires_at <= Date.now()) return fail('code_expired', 'Code expired');
        await before?.(user);
        // Of parallel uses of one code exactly one gets here with true.
        if (!(await d.codes.consumeFor(secret, user.id, purpose))) return fail('invalid_credentials', BAD_CODE);
        return user;
      });
    },
    /** The form lookups and verification marks use (email lower-cased). */
    normalized: norm,
  };
}
export type AddressCodes = ReturnType<typeof addressCodes>;
