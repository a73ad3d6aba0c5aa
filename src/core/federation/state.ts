import { randomBytes } from 'node:crypto';
import type { TtlStore } from '../../store/ttl-store.js';
import { sha256 } from '../util/crypto.js';
import { addressKey } from '../util/address.js';
import { quota } from '../notify/quota.js';

/** What a started sign-in keeps server-side until its callback; nothing of it is sent upstream but the state. */
export interface Pending {
  provider: string;
  redirectUri: string;
  /** PKCE code verifier, when PKCE is used. */
  verifier?: string;
  /** OpenID providers: the nonce the id_token must carry. */
  nonce?: string;
  context: Record<string, string>;
  expiresAt: number;
}

/**
 * Starts per client address and minute. Each keeps a few hundred bytes to 4 KB server-side for
 * FEDERATION_STATE_SECONDS, for anyone who asks (no session, no client): without a bound one
 * address could fill the TTL store. Generous, since a whole office may sign in through one NAT.
 */
export const STARTS_PER_ADDRESS = { max: 600, windowSeconds: 60 };

/** Longer states are not ours (ours are under 200 characters with any dialect prefix). */
const MAX_STATE = 2048;

/**
 * Started sign-ins in the TTL store, keyed by a hash of the whole `state` (a prefix changed on
 * the way back does not match). `take` is atomic: of concurrent callbacks with one state
 * exactly one gets it (the first increment of its claim counter), and a replay finds nothing.
 */
export function pendingSignIns(ttl: TtlStore, seconds: number) {
  const ttlMs = seconds * 1000;
  const key = (state: string) => `fed:state:${sha256(state)}`;
  const starts = quota(ttl, 'fed:start', STARTS_PER_ADDRESS);
  return {
    /** Counts a start from `ip`; fails with `locked` (each dialect's 429) over STARTS_PER_ADDRESS. */
    admit: (ip: string | null | undefined): Promise<void> => starts.admit(addressKey(ip ?? undefined)),
    /** Keeps `p`; the new state: 32 random bytes, after `prefix` in URLSearchParams form when given (ARC's `client_id=…&s=…`). */
    async put(p: Omit<Pending, 'expiresAt'>, prefix?: Record<string, string>): Promise<string> {
      const s = randomBytes(32).toString('base64url');
      const state = prefix && Object.keys(prefix).length ? new URLSearchParams({ ...prefix, s }).toString() : s;
      const pending: Pending = { ...p, expiresAt: Date.now() + ttlMs };
      await ttl.set(key(state), JSON.stringify(pending), ttlMs);
      return state;
    },
    /** The sign-in `state` started, once; undefined when unknown, expired or already taken. */
    async take(state: string): Promise<Pending | undefined> {
      if (!state || state.length > MAX_STATE) return undefined;
      const k = key(state);
      const raw = await ttl.get(k);
      if (raw === undefined) return undefined;
      // A separate key: an increment of an expired entry would revive it.
      const claim = await ttl.incr(`${k}:taken`, ttlMs);
      if (claim.count !== 1) return undefined;
      await ttl.delete(k);
      const pending = JSON.parse(raw) as Pending;
      return pending.expiresAt > Date.now() ? pending : undefined;
    },
  };
}
export type PendingSignIns = ReturnType<typeof pendingSignIns>;
