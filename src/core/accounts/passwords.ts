import { hash, verify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

export interface HashParams {
  memoryKib: number;
  iterations: number;
  parallelism: number;
}

// Argon2id; the numeric value of @node-rs/argon2's const enum, which isolated modules cannot import.
const ARGON2ID = 2;

/**
 * argon2id on the libuv thread pool (never the event loop). Legacy bcrypt hashes from imported
 * users verify, and `needsRehash` tells the caller to upgrade them after a successful login.
 */
export function passwordHasher(params: HashParams) {
  const opts = { algorithm: ARGON2ID, memoryCost: params.memoryKib, timeCost: params.iterations, parallelism: params.parallelism };
  const current = `m=${params.memoryKib},t=${params.iterations},p=${params.parallelism}`;
  // A fixed hash to verify against when the account does not exist, so both cases cost the same.
  let dummy: Promise<string> | undefined;
  return {
    hash: (password: string) => hash(password, opts),
    async verify(stored: string | null, password: string): Promise<boolean> {
      if (!stored) {
        dummy ??= hash('gatehouse-dummy-password', opts);
        await verify(await dummy, password).catch(() => false);
        return false;
      }
      if (/^\$2[aby]\$/.test(stored)) return bcrypt.compare(password, stored);
      try {
        return await verify(stored, password);
      } catch {
        return false;
      }
    },
    needsRehash: (stored: string) => !stored.startsWith('$argon2id$') || !stored.includes(current),
  };
}
export type PasswordHasher = ReturnType<typeof passwordHasher>;
