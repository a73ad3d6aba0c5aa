import type { Config } from '../../config/index.js';

/** What stands for a secret that is set; an unset one shows as it is (empty, null, undefined). */
export const MASK = '********';

/**
 * Names that hold a secret: passwords, secrets, signing/private keys, tokens, salts, credentials.
 * `…KeyId`, `…KeyLength` and `…Location` are excluded on purpose: they name or size a key, they are
 * not one (`appleAuthKeyId` is public, `appleAuthPrivateKeyLocation` a file path).
 */
const SECRET_NAME = /(secret|password|passwd|privatekey|signingkey|secretkey|token|salt|credential|apikey|^key$|_key$|Key$)/i;
const NOT_SECRET = /(keyid|keylength|location|expir|seconds|minutes|ttl|header|url$|uri$|length$)/i;

/** Whether a setting (or a nested field) of this name holds a secret. */
export function secretName(name: string): boolean {
  return SECRET_NAME.test(name) && !NOT_SECRET.test(name);
}

/** A URL with its password (and secret-looking query parameters) masked; other strings unchanged. */
export function maskUrl(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return value;
  }
  if (!u.host && !u.password) return value;
  let changed = false;
  if (u.password) {
    u.password = MASK;
    changed = true;
  }
  for (const k of [...u.searchParams.keys()]) {
    if (SECRET_NAME.test(k) || /^(pass|pwd|auth|sig|signature|access_token)$/i.test(k)) {
      u.searchParams.set(k, MASK);
      changed = true;
    }
  }
  return changed ? u.toString().replaceAll(encodeURIComponent(MASK), MASK) : value;
}

function maskValue(name: string, v: unknown): unknown {
  // A flag or a number named like a secret (`oauth2ReuseToken`) is a setting about secrets, not one.
  if (secretName(name) && typeof v !== 'boolean' && typeof v !== 'number') return v === undefined || v === null || v === '' ? v : MASK;
  if (typeof v === 'string') return maskUrl(v);
  if (Array.isArray(v)) return v.map((x) => maskValue('', x));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, maskValue(k, x)]));
  return v;
}

/**
 * The effective configuration as the admin console shows it: every setting, with each secret
 * replaced by `MASK` (by its name, at any depth: OAuth2 clients and OIDC providers of the config
 * file included) and the password of every URL masked (database, Redis, SMTP, webhooks).
 */
export function maskedConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(config).sort()) out[key] = maskValue(key, (config as unknown as Record<string, unknown>)[key]);
  return out;
}
