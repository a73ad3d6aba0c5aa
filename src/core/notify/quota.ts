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

export type MailKind = 'reset' | 'signup' | 'onetime';

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
    async send(kind: MailKind, to: string, ip: string | undefined, compose: () => Promise<Mail | undefined>): Promise<void> {
      // The address first: requests from an address over its budget do not spend a recipient's.
      if ((await byAddress.use(addressKey(ip))) !== undefined) return;
      // Hashed, so that the TTL store holds no mail addresses.
      if ((await byRecipient.use(`${kind}:${sha256(to.trim().toLowerCase())}`)) !== undefined) return;
      setTimeout(() => {
        compose()
          .then((mail) => (mail ? d.mail.send(mail) : undefined))
          .catch((err: Error) => d.log.error({ kind, err: err.message }, 'requested mail not sent'));
      }, AFTER_ANSWER_MS.min + randomInt(AFTER_ANSWER_MS.spread));
    },
  };
}
export type MailQuota = ReturnType<typeof mailQuota>;
