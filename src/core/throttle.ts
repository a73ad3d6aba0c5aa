import type { TtlStore } from '../store/ttl-store.js';
import { CoreError } from './errors.js';
import { randomHex } from './util/crypto.js';
import { addressKey } from './util/address.js';
import { Closed, failureGates, type Scope } from './failure-gates.js';

export interface ThrottleLimits {
  /** Failures per account and kind of source (see `account`) per window; 0 = off. */
  maxFailures: number;
  lockoutSeconds: number;
  /** Failures per client address per window, whatever they guessed; 0 = off. */
  maxFailuresPerIp: number;
  /** How long a device or an address that signed in to an account stays trusted for it. */
  trustSeconds: number;
}

/** Where a guess comes from: the client address and, in browsers, the device cookie's id. */
export interface Source {
  ip?: string;
  device?: string;
}

const GUESSES = new Set(['invalid_credentials', 'missing_credentials', 'totp_failed', 'password_incorrect', 'client_invalid']);
/** Failures of a secret check: they count; anything else (a blocked account, a bad request) does not. */
export const isGuess = (e: unknown): boolean =>
  e instanceof CoreError && GUESSES.has(e.code);

const DEVICE_ID = /^[0-9a-f]{32}$/;
/** How long a check waits for a slot before answering 429 (a slot frees when a check ends). */
const WAIT_MS = 15_000;
const RENEW_TRUST_MS = 86_400_000;

/**
 * Throttling of every secret check (decision 14). Only failures count: a check that is running
 * or succeeds costs nothing, so parallel correct sign-ins all pass. Guessing stays bounded
 * because a counter's checks run at most `max − failures` at a time on this node (every counter
 * a check counts in, the address's too: `failure-gates.ts`): the others wait for a slot, and are
 * refused once the failures reach `max`. A node of a cluster bounds its own checks, so guesses
 * per window stay below nodes × `max`. Addresses are IPv4 addresses or IPv6 /64 networks.
 *
 * Counters are keyed so that nobody can lock out somebody else:
 * - an account counts failures per kind of source: each trusted device, each trusted address,
 *   and one shared counter for every other source (guessing from unknown places stays bounded
 *   per account, and the owner's devices and usual addresses are not locked by it);
 * - a client secret counts per (client, address);
 * - every failure also counts per address (`maxFailuresPerIp`), except from a trusted device.
 */
export function loginThrottle(ttl: TtlStore, limits: ThrottleLimits) {
  const windowMs = limits.lockoutSeconds * 1000;
  const trustMs = limits.trustSeconds * 1000;
  const locked = (expiresAt: number) => new CoreError('locked', 'Too many failed attempts', { retryAfter: Math.max(1, Math.ceil((expiresAt - Date.now()) / 1000)) });
  const gates = failureGates(ttl, WAIT_MS);
  // Metrics count lockouts here, where every refusal for too many failures starts.
  const lockoutObservers: (() => void)[] = [];
  async function guarded<T>(scopes: Scope[], fn: () => Promise<T>, onSuccess?: (failures: number) => Promise<void>): Promise<T> {
    try {
      return await gates.run(
        scopes,
        isGuess,
        async (failures) => {
          const result = await fn();
          await onSuccess?.(failures);
          return result;
        },
        windowMs,
      );
    } catch (e) {
      if (e instanceof Closed) {
        for (const o of lockoutObservers) o();
        throw locked(e.until);
      }
      throw e;
    }
  }

  const ipScope = (ip: string | undefined): Scope => ({ key: `login:ip:${addressKey(ip)}`, max: limits.maxFailuresPerIp });

  return {
    /** A device id for the device cookie: the one sent when well-formed, else a new one. */
    deviceId: (sent: string | undefined): string => (sent && DEVICE_ID.test(sent) ? sent : randomHex(16)),

    /**
     * Checks a secret of `account` (a password, a second factor, an old password). On success the
     * source becomes trusted for the account: `device` (when given) and the address.
     */
    async account<T>(account: string, src: Source, fn: () => Promise<T>): Promise<T> {
      const ip = addressKey(src.ip);
      const device = src.device && DEVICE_ID.test(src.device) ? src.device : undefined;
      const trustDevice = device && `login:trust:${account}:d:${device}`;
      const trustIp = `login:trust:${account}:i:${ip}`;
      const [byDevice, byIp] = await Promise.all([trustDevice ? ttl.get(trustDevice) : undefined, ttl.get(trustIp)]);
      const kind = byDevice !== undefined ? `d:${device}` : byIp !== undefined ? `i:${ip}` : 'any';
      const own: Scope = { key: `login:fail:${account}:${kind}`, max: limits.maxFailures };
      // A trusted device is not refused for its network's failures: a shared NAT is not a threat to it.
      const scopes = byDevice !== undefined ? [own] : [own, ipScope(ip)];
      return guarded(scopes, fn, async (failures) => {
        const now = Date.now();
        // Trust is renewed at most daily: a write per sign-in would cost more than the check.
        const stale = (since: string | undefined) => since === undefined || now - Number(since) > RENEW_TRUST_MS;
        const writes: Promise<void>[] = [];
        if (failures > 0) writes.push(ttl.delete(own.key));
        if (trustMs > 0) {
          if (stale(byIp)) writes.push(ttl.set(trustIp, String(now), trustMs));
          if (trustDevice && stale(byDevice)) writes.push(ttl.set(trustDevice, String(now), trustMs));
        }
        await Promise.all(writes);
      });
    },

    /** Checks a client's secret: failures count per (client, address) and per address. */
    client<T>(clientKey: string, ip: string | undefined, fn: () => Promise<T>): Promise<T> {
      const own: Scope = { key: `login:client:${clientKey}:${addressKey(ip)}`, max: limits.maxFailures };
      return guarded([own, ipScope(ip)], fn, async (failures) => {
        if (failures > 0) await ttl.delete(own.key);
      });
    },

    /** Checks a secret guessed by value (an API key, a code): failures count per `key` and per address. */
    guess<T>(key: string, ip: string | undefined, fn: () => Promise<T>): Promise<T> {
      return guarded([{ key: `login:guess:${key}`, max: limits.maxFailures }, ipScope(ip)], fn);
    },

    /** A secret with no owner to protect (an installation-wide API key): only the address's budget. */
    address<T>(ip: string | undefined, fn: () => Promise<T>): Promise<T> {
      return guarded([ipScope(ip)], fn);
    },

    /** Calls `o` on every check refused because a failure counter is full (metrics); returns the removal. */
    onLockout(o: () => void): () => void {
      lockoutObservers.push(o);
      return () => {
        const i = lockoutObservers.indexOf(o);
        if (i >= 0) lockoutObservers.splice(i, 1);
      };
    },
  };
}
export type LoginThrottle = ReturnType<typeof loginThrottle>;
