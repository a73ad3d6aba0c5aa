import { createCipheriv, createDecipheriv, createHash, hash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

// crypto.hash (Node ≥ 20.12) is the one-shot form: a third of createHash's cost, and this runs on
// every bearer, cookie and introspection check that misses a cache.
export const sha256 = (s: string): string => hash('sha256', s, 'base64url');

/** Random opaque token of `bytes` bytes, hex (ARC refresh tokens are 64 lowercase hex characters). */
export const randomHex = (bytes = 32): string => randomBytes(bytes).toString('hex');

export const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** A random `[A-Za-z0-9]` string (simple-auth's CSRF tokens and verification codes). */
export function randomAlnum(n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += ALNUM[randomInt(ALNUM.length)];
  return out;
}

/** Constant-time string comparison that does not leak length through an early exit. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/** AES-256-GCM for secrets that must be read back (client secrets, OTPs shown to admins). */
export function secretBox(key: string) {
  const k = createHash('sha256').update(key).digest();
  return {
    seal(plain: string): string {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', k, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return ['v1', iv.toString('base64url'), c.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    },
    open(sealed: string): string {
      const [v, iv, tag, body] = sealed.split('.');
      if (v !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a sealed secret');
      const d = createDecipheriv('aes-256-gcm', k, Buffer.from(iv, 'base64url'));
      d.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([d.update(Buffer.from(body, 'base64url')), d.final()]).toString('utf8');
    },
  };
}
export type SecretBox = ReturnType<typeof secretBox>;
