import type { TtlStore } from '../store/ttl-store.js';
import { sha256 } from './crypto.js';

const PREFIX = 'revoked:';

/**
 * Revoked access tokens, remembered until they expire (not forever). Checked on every bearer
 * request, so the answer comes from memory; the TTL store is the shared, durable copy.
 */
export function revocationList(ttl: TtlStore) {
  const mem = new Map<string, number>();
  const prune = setInterval(() => {
    const now = Date.now();
    for (const [k, exp] of mem) if (exp <= now) mem.delete(k);
  }, 60_000);
  prune.unref();
  return {
    async load(): Promise<void> {
      for (const e of await ttl.entries(PREFIX)) mem.set(e.key.slice(PREFIX.length), e.expiresAt);
    },
    /** `sig` is the token's signature segment; only its hash is kept. */
    isRevoked(sig: string): boolean {
      const exp = mem.get(sha256(sig));
      return exp !== undefined && exp > Date.now();
    },
    isRevokedHash(hash: string): boolean {
      const exp = mem.get(hash);
      return exp !== undefined && exp > Date.now();
    },
    async revokeHash(hash: string, expMs: number): Promise<void> {
      const ttlMs = expMs - Date.now();
      if (ttlMs <= 0) return;
      mem.set(hash, expMs);
      await ttl.set(PREFIX + hash, '1', ttlMs);
    },
    revoke(sig: string, expMs: number): Promise<void> {
      return this.revokeHash(sha256(sig), expMs);
    },
    size: () => mem.size,
    close: () => clearInterval(prune),
  };
}
export type RevocationList = ReturnType<typeof revocationList>;
