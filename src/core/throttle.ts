import type { TtlStore } from '../store/ttl-store.js';
import { CoreError } from './errors.js';

export interface ThrottleLimits {
  maxFailures: number;
  lockoutSeconds: number;
  maxFailuresPerIp: number;
}

/**
 * Login throttling per account and per IP. Each attempt reserves a slot *before* the password is
 * checked, so parallel guesses cannot slip past the limit: at most `maxFailures` passwords are
 * ever tried per window. Success clears the account counter and returns the IP slot; outcomes
 * that are not a wrong password (an unknown client, an inactive account) return both slots.
 */
export function loginThrottle(ttl: TtlStore, limits: ThrottleLimits) {
  const windowMs = limits.lockoutSeconds * 1000;
  const locked = (expiresAt: number) => new CoreError('locked', 'Too many failed attempts', { retryAfter: Math.max(1, Math.ceil((expiresAt - Date.now()) / 1000)) });
  async function reserve(key: string, max: number): Promise<boolean> {
    if (max <= 0) return false;
    const { count, expiresAt } = await ttl.incr(key, windowMs);
    if (count > max) throw locked(expiresAt);
    return true;
  }
  return {
    async attempt<T>(account: string, ip: string | undefined, fn: () => Promise<T>): Promise<T> {
      const acctKey = `login:acct:${account.toLowerCase()}`;
      const ipKey = `login:ip:${ip ?? 'unknown'}`;
      // The address first, and the account only when the address is not locked out: guesses
      // from a blocked address must not move the account's counter.
      const ipHeld = await reserve(ipKey, limits.maxFailuresPerIp);
      let acctHeld = false;
      try {
        acctHeld = await reserve(acctKey, limits.maxFailures);
      } catch (e) {
        if (ipHeld) await ttl.decr(ipKey);
        throw e;
      }
      try {
        const result = await fn();
        if (acctHeld && ipHeld) await ttl.settle(acctKey, ipKey);
        else if (acctHeld) await ttl.delete(acctKey);
        else if (ipHeld) await ttl.decr(ipKey);
        return result;
      } catch (e) {
        // A wrong second factor is a guess too: TOTP codes are only six digits.
        const wrongPassword = e instanceof CoreError && (e.code === 'invalid_credentials' || e.code === 'missing_credentials' || e.code === 'totp_failed');
        if (!wrongPassword) {
          if (acctHeld) await ttl.decr(acctKey);
          if (ipHeld) await ttl.decr(ipKey);
        }
        throw e;
      }
    },
  };
}
export type LoginThrottle = ReturnType<typeof loginThrottle>;
