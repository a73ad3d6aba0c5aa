import { createHmac, createPrivateKey, createPublicKey, sign as rsaSign, timingSafeEqual, verify as rsaVerify, type KeyObject } from 'node:crypto';

/**
 * HS256 JWTs with node:crypto. jose is the project's JWT library, but it goes through WebCrypto
 * (~190 µs per verify here) while a plain HMAC costs ~4 µs, and token checks are the hot path.
 */
export type Claims = Record<string, unknown> & { iat?: number; exp?: number; iss?: string; aud?: string | string[]; sub?: string };
export interface Verified {
  header: Record<string, unknown>;
  payload: Claims;
  /** The signature segment: a short unique key for revocation lists. */
  sig: string;
}
export type JwtFailure = 'malformed' | 'signature' | 'expired' | 'issuer' | 'audience' | 'type';
export class JwtError extends Error {
  constructor(public readonly reason: JwtFailure) {
    super(reason);
  }
}

const b64 = (s: string) => Buffer.from(s).toString('base64url');
/**
 * A segment's bytes, only when the segment is the one canonical base64url spelling of them.
 * Buffer.from(…, 'base64url') is lenient (it skips '=', accepts '+' and '/', ignores trailing
 * bits), so one signature has many spellings: a revoked or cached token re-spelled would be a
 * "new" token. Refusing every other spelling keeps one string per token.
 */
function canonical(segment: string): Buffer | undefined {
  const bytes = Buffer.from(segment, 'base64url');
  return bytes.toString('base64url') === segment ? bytes : undefined;
}
const keyCache = new Map<string, Buffer>();
const keyOf = (secret: string) => {
  let k = keyCache.get(secret);
  if (!k) {
    k = Buffer.from(secret, 'utf8');
    if (keyCache.size > 1000) keyCache.clear();
    keyCache.set(secret, k);
  }
  return k;
};

/** A key for one JWS algorithm: HMAC (HS256/384/512, text key) or RSA (RS256/384/512, PEM private key). */
export interface SigningKey {
  alg: string;
  sign(data: string): Buffer;
  verify(data: string, sig: Buffer): boolean;
}

export class KeyError extends Error {}

/** Builds a key for `alg` (case-insensitive, as simple-auth's `signingmethod`). */
export function signingKey(method: string, key: string): SigningKey {
  const alg = method.toUpperCase();
  const m = /^(HS|RS)(256|384|512)$/.exec(alg);
  if (!m) throw new KeyError(`unsupported signing method ${method} (HS256, HS384, HS512, RS256, RS384, RS512)`);
  const hash = `sha${m[2]}`;
  if (m[1] === 'HS') {
    const k = keyOf(key);
    return {
      alg,
      sign: (data) => createHmac(hash, k).update(data).digest(),
      verify: (data, sig) => {
        const expected = createHmac(hash, k).update(data).digest();
        return sig.length === expected.length && timingSafeEqual(sig, expected);
      },
    };
  }
  let priv: KeyObject;
  try {
    priv = createPrivateKey(key);
  } catch (e) {
    throw new KeyError(`${alg} needs a PEM RSA private key: ${(e as Error).message}`);
  }
  if (priv.asymmetricKeyType !== 'rsa') throw new KeyError(`${alg} needs an RSA key`);
  const pub = createPublicKey(priv);
  return {
    alg,
    sign: (data) => rsaSign(hash, Buffer.from(data), priv),
    verify: (data, sig) => rsaVerify(hash, Buffer.from(data), pub, sig),
  };
}

/** Signs with the claims in the order given (simple-auth clients may compare raw payloads). */
export function signJwt(payload: Claims, key: SigningKey, typ = 'JWT'): string {
  const head = b64(JSON.stringify({ alg: key.alg, typ }));
  const body = b64(JSON.stringify(payload));
  return `${head}.${body}.${key.sign(`${head}.${body}`).toString('base64url')}`;
}

export function signHs256(payload: Claims, secret: string, typ = 'JWT'): string {
  const head = b64(JSON.stringify({ alg: 'HS256', typ }));
  const body = b64(JSON.stringify(payload));
  const sig = createHmac('sha256', keyOf(secret)).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

export interface VerifyOptions {
  issuer?: string;
  audience?: string;
  /** Accepted header `typ` values; tokens of other kinds are refused. */
  typ?: string[];
  now?: number;
  checkNotBefore?: boolean;
}

export function verifyHs256(token: string, secret: string, opts: VerifyOptions = {}): Verified {
  return verifyJwt(token, null, opts, secret);
}

/** Verifies a JWT signed with `key` (its `alg` must be the key's). */
export function verifyJwt(token: string, key: SigningKey | null, opts: VerifyOptions = {}, hs256Secret?: string): Verified {
  const a = token.indexOf('.');
  const b = token.indexOf('.', a + 1);
  if (a < 1 || b < 0 || token.indexOf('.', b + 1) >= 0) throw new JwtError('malformed');
  const sig = token.slice(b + 1);
  const given = canonical(sig);
  if (!given || given.length === 0) throw new JwtError('malformed');
  if (key) {
    if (!key.verify(token.slice(0, b), given)) throw new JwtError('signature');
  } else {
    const expected = createHmac('sha256', keyOf(hs256Secret ?? '')).update(token.slice(0, b)).digest();
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new JwtError('signature');
  }
  let header: Record<string, unknown>;
  let payload: Claims;
  const head = canonical(token.slice(0, a));
  const body = canonical(token.slice(a + 1, b));
  if (!head || !body) throw new JwtError('malformed');
  try {
    header = JSON.parse(head.toString('utf8')) as Record<string, unknown>;
    payload = JSON.parse(body.toString('utf8')) as Claims;
  } catch {
    throw new JwtError('malformed');
  }
  if (header.alg !== (key?.alg ?? 'HS256') || typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new JwtError('malformed');
  if (opts.typ && !opts.typ.includes(String(header.typ ?? 'JWT'))) throw new JwtError('type');
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  // Every token we issue expires; one without a numeric exp would live forever.
  if (typeof payload.exp !== 'number' || !Number.isFinite(payload.exp)) throw new JwtError('malformed');
  if (payload.exp <= now) throw new JwtError('expired');
  // jwt-go (simple-auth) also honours nbf and iat when present.
  if (opts.checkNotBefore && typeof payload.nbf === 'number' && payload.nbf > now) throw new JwtError('expired');
  if (opts.issuer !== undefined && payload.iss !== opts.issuer) throw new JwtError('issuer');
  if (opts.audience !== undefined) {
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!aud.includes(opts.audience)) throw new JwtError('audience');
  }
  return { header, payload, sig };
}
