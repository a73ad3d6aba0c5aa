import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { fail } from '../errors.js';

export interface TotpSettings {
  issuer: string;
  keyLength: number;
  /** simple-auth's drift: the current step always counts, and each i in 1..drift-1 adds ±i steps. */
  drift: number;
}

/** RFC 4648 base32 with `=` padding, upper case: the form simple-auth hands out. */
function padBase32(s: string): string {
  const bare = s.replace(/=+$/, '').toUpperCase();
  return bare + '='.repeat((8 - (bare.length % 8)) % 8);
}

/** A secret as sent by a client: padded or not, any case. Invalid → `invalid_input`. */
function parseSecret(secret: string): Secret {
  const bare = secret.trim().replace(/=+$/, '').toUpperCase();
  if (!bare || bare.length > 256 || !/^[A-Z2-7]+$/.test(bare)) return fail('invalid_input', 'invalid totp secret', { field: 'secret' });
  return Secret.fromBase32(bare);
}

/** TOTP as simple-auth does it: HMAC-SHA1, 6 digits, 30 s, otpauth URL with the email as label. */
export function totp(s: TotpSettings) {
  const window = Math.max(0, s.drift - 1);
  return {
    newSecret: (): string => padBase32(new Secret({ buffer: randomBytes(s.keyLength).buffer }).base32),
    /** The otpauth URL of the original: keys sorted, secret with its padding (`%3D`). */
    url(secret: string, email: string): string {
      const padded = padBase32(parseSecret(secret).base32);
      const q = new URLSearchParams({ algorithm: 'SHA1', digits: '6', issuer: s.issuer, period: '30', secret: padded });
      // Go's url.URL leaves `@` raw in the path, as authenticator apps expect it.
      return `otpauth://totp/${encodeURIComponent(s.issuer)}:${encodeURIComponent(email).replace(/%40/g, '@')}?${q.toString()}`;
    },
    /** A 256×256 PNG (medium error correction) of the otpauth URL. */
    qrPng: (url: string): Promise<Buffer> => QRCode.toBuffer(url, { type: 'png', width: 256, margin: 4, errorCorrectionLevel: 'M' }),
    /** Checks a code against a secret (base32) with the configured drift. */
    check(secret: string, code: string): boolean {
      if (!/^\d{6}$/.test(code)) return false;
      return TOTP.validate({ token: code, secret: parseSecret(secret), algorithm: 'SHA1', digits: 6, period: 30, window }) !== null;
    },
    /** The secret inside a stored otpauth URL. */
    secretOf(url: string): string {
      const m = /[?&]secret=([^&]+)/.exec(url);
      return m ? decodeURIComponent(m[1] as string) : '';
    },
  };
}
export type Totp = ReturnType<typeof totp>;
