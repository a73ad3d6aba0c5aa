import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import type { TtlStore } from '../../store/ttl-store.js';
import type { Mail, Mailer } from './mailer.js';
import { sha256 } from '../util/crypto.js';
import { CoreError } from '../errors.js';
import { addressKey } from '../util/address.js';

export interface QuotaLimit {
  /** Uses allowed per window; 0 turns the quota off (and then nothing is written). */
  max: number;
  windowSeconds: number;
}

/**
 * At most `max` uses per key in a fixed window that starts at the first use. A use is counted
 * *before* the action it admits, in one atomic increment of the TTL store (shared by every node),
 * so parallel requests cannot slip past: of any number of concurrent uses, at most `max` per
 * window get through. Refused uses count too, but never move the end of the window.
 */
export function quota(ttl: TtlStore, name: string, limit: QuotaLimit) {
  const windowMs = limit.windowSeconds * 1000;
  /** Counts one use of `key`: the seconds until the window ends when it is over the limit, else undefined. */
  async function use(key: string): Promise<number | undefined> {
    if (limit.max <= 0) return undefined;
    const { count, expiresAt } = await ttl.incr(`${name}:${key}`, windowMs);
    return count > limit.max ? Math.max(1, Math.ceil((expiresAt - Date.now()) / 1000)) : undefined;
  }
  return {
    use,
    /** `use`, failing with `locked` (each dialect's 429 with `Retry-After`) over the limit. */
    async admit(key: string): Promise<void> {
      const retryAfter = await use(key);
      if (retryAfter !== undefined) throw new CoreError('locked', 'Too many requests', { retryAfter });
    },
  };
}
export type Quota = ReturnType<typeof quota>;

/** Self-service registration (basic register, simple create account, ARC sign-up create-token), per client address. */
export function registrationQuota(ttl: TtlStore, limit: QuotaLimit) {
  const perAddress = quota(ttl, 'register:ip', limit);
  return { admit: (ip: string | undefined) => perAddress.admit(addressKey(ip)) };
}
export type RegistrationQuota = ReturnType<typeof registrationQuota>;

/** What a message is for; each has its own budget per recipient. */
export type MailKind = 'reset' | 'signup' | 'onetime' | 'login_code' | 'verify_code' | 'reset_code';

/**
 * The mail work starts 5 to 50 ms after the answer, at random, not in the next tick: started at
 * once, its CPU time lengthened the answer it followed (known accounts' p90 +1.0 to +1.5 ms on
 * loopback; BENCHMARKS.md, "Existing vs unknown accounts").
 */
const AFTER_ANSWER_MS = { min: 5, spread: 45 };

/**
 * Mails anyone can trigger, capped per recipient and kind of mail and, more loosely, per client
 * address. The caller answers the same whatever happens here, and the request costs the same:
 * it is counted alike whether or not the account exists (for an unknown account the recipient is
 * whatever was asked for), and all that only a real recipient needs (minting and storing the
 * code, the mail) runs after the answer, off the request path. A capped request sends nothing.
 */
export function mailQuota(d: { ttl: TtlStore; mail: Mailer; log: Logger; perRecipient: QuotaLimit; perAddress: QuotaLimit }) {
  const byAddress = quota(d.ttl, 'mail:ip', d.perAddress);
  const byRecipient = quota(d.ttl, 'mail:to', d.perRecipient);
  return {
    /**
     * Counts a request for a `kind` mail to `to` from `ip`. Within both budgets, `compose` runs off
     * the request path and the mail it returns is sent; it returns undefined when there is nobody
     * to write to.
     */
    send(kind: MailKind, to: string, ip: string | undefined, compose: () => Promise<Mail | undefined>): Promise<void> {
      return this.later(kind, to, ip, async () => {
        const mail = await compose();
        if (mail) await d.mail.send(mail);
      });
    },
    /**
     * `send` for a message that goes out another way (an SMS to a phone number `to`): the same
     * budgets, and `deliver` runs off the request path and sends it itself.
     */
    async later(kind: MailKind, to: string, ip: string | undefined, deliver: () => Promise<void>): Promise<void> {
      // The address first: requests from an address over its budget do not spend a recipient's.
      if ((await byAddress.use(addressKey(ip))) !== undefined) return;
      // Hashed, so that the TTL store holds no mail addresses or phone numbers.
      if ((await byRecipient.use(`${kind}:${sha256(to.trim().toLowerCase())}`)) !== undefined) return;
      setTimeout(() => {
        deliver().catch((err: Error) => d.log.error({ kind, err: err.message }, 'requested message not sent'));
      }, AFTER_ANSWER_MS.min + randomInt(AFTER_ANSWER_MS.spread));
    },
  };
}
export type MailQuota = ReturnType<typeof mailQuota>;
