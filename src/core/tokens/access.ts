import type { RevocationList } from './revocations.js';
import type { Minted } from '../sessions/sessions.js';
import { JwtError, type Claims, type Verified, type VerifyOptions } from './jwt.js';
import { sha256 } from '../util/crypto.js';
import { ExpiringCache } from '../util/expiring-cache.js';

/** How many verified tokens each kind remembers (the oldest are forgotten first). */
const VERIFIED_MAX = 8192;

/** Who an access token speaks for, as far as blocking goes: the account's uuid or integer id. */
export type TokenAccount = { uuid: string } | { id: number };

/** One dialect's access tokens: how they are signed and read. */
export interface AccessKind {
  sign(claims: Claims): string;
  verify(token: string, opts: Pick<VerifyOptions, 'typ'>): Verified;
  /** Accepted header `typ` values. */
  typ: string[];
  /** The account the claims name, or undefined when they are not an access token of this kind. */
  account(claims: Claims): TokenAccount | undefined;
}

/** Why a token was refused: ended early (sign-out, block), past its `exp`, or never valid. */
export type AccessRefusal = 'revoked' | 'expired' | 'invalid';
export type AccessCheck = { ok: true; claims: Claims } | { ok: false; reason: AccessRefusal };

interface Remembered {
  claims: Claims;
  /** sha256 of the signature segment: the key of the revocation list. */
  sigHash: string;
  account: TokenAccount;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}

const sigOf = (token: string) => token.slice(token.lastIndexOf('.') + 1);

/**
 * Access tokens of every dialect: minted for a session, verified with a cache, checked against
 * the revocation list on every use. A token that verified once is remembered (by its exact,
 * canonical string) until it expires, so a repeat costs a map lookup instead of an HMAC, a
 * SHA-256 and two JSON parses (~25 µs a request here, most of a bearer check). Revocations and
 * blocks are still checked on every request.
 */
export function accessTokens(revocations: RevocationList) {
  const blocked = (a: TokenAccount) => ('uuid' in a ? revocations.isBlocked(a.uuid) : revocations.isBlockedId(a.id));
  return {
    /** The minting and checking of one kind of access token, with its own cache. */
    kind(kind: AccessKind) {
      const verified = new ExpiringCache<Remembered>(VERIFIED_MAX);
      return {
        /** A token for `claims` living `ttlSec` seconds (iat and exp are set here). */
        mint(claims: Claims, ttlSec: number): Minted {
          const iat = Math.floor(Date.now() / 1000);
          const exp = iat + ttlSec;
          const token = kind.sign({ ...claims, iat, exp });
          return { token, sig: sigOf(token), expMs: exp * 1000 };
        },
        /** Claims are frozen: they may be shared by every request that sends the same token. */
        verify(token: string, now = Date.now()): AccessCheck {
          const hit = verified.get(token, now);
          if (hit) {
            if (revocations.isRevokedHash(hit.sigHash) || blocked(hit.account)) return { ok: false, reason: 'revoked' };
            return { ok: true, claims: hit.claims };
          }
          const sigHash = sha256(sigOf(token));
          if (revocations.isRevokedHash(sigHash)) return { ok: false, reason: 'revoked' };
          let claims: Claims;
          try {
            claims = kind.verify(token, { typ: kind.typ }).payload;
          } catch (e) {
            if (e instanceof JwtError) return { ok: false, reason: e.reason === 'expired' ? 'expired' : 'invalid' };
            throw e;
          }
          const account = kind.account(claims);
          if (!account) return { ok: false, reason: 'invalid' };
          // A blocked or deleted account's tokens end with it (its sessions are revoked too; this holds meanwhile).
          if (blocked(account)) return { ok: false, reason: 'revoked' };
          if (typeof claims.exp === 'number') verified.set(token, { claims: deepFreeze(claims), sigHash, account }, claims.exp * 1000);
          return { ok: true, claims };
        },
      };
    },
  };
}
export type AccessTokens = ReturnType<typeof accessTokens>;
export type AccessTokenKind = ReturnType<AccessTokens['kind']>;
