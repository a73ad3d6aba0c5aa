import { signingKey, signJwt, verifyJwt, JwtError, KeyError, type SigningKey } from './jwt.js';
import { fail } from '../errors.js';
import { sha256 } from '../util/crypto.js';
import { ExpiringCache } from '../util/expiring-cache.js';

/** A verified session token: its account, source, expiry and the revocation key of its signature. */
export interface WebSession {
  sub: string;
  src: SessionSource;
  expMs: number;
  /** When it was issued, to the second (its `exp` less the configured lifetime: the claims have no iat). */
  issuedAtMs: number;
  sigHash: string;
}
/** Verified tokens each server remembers (forward-auth checks the same cookie on every request). */
const VERIFIED_MAX = 8192;

/** How a web session began; `shared-secret` is never put in a cookie. */
export type SessionSource = 'login' | 'oidc' | 'onetime' | 'shared-secret';
const SOURCES = new Set<string>(['login', 'oidc', 'onetime']);
const AUDIENCE = 'simple-auth';

export interface WebSessionSettings {
  method: string;
  key: string;
  issuer: string;
  expiresMinutes: number;
}

/**
 * simple-auth's session: a JWT `{aud:"simple-auth", exp, iss, sub, src}` (that key order, no iat
 * or jti) so applications that verify the cookie with the shared key keep working. It is not
 * stored: validity is the signature and `exp`, as in the original.
 */
export function webSessions(s: WebSessionSettings) {
  let key: SigningKey | undefined;
  const verified = new ExpiringCache<WebSession>(VERIFIED_MAX);
  let keyProblem: string | undefined;
  const lifetimeSec = Math.round(s.expiresMinutes * 60);
  try {
    // The original refuses to issue sessions with a key shorter than 8 characters.
    if (s.key.length < 8) keyProblem = 'signing key is missing or shorter than 8 characters';
    else key = signingKey(s.method, s.key);
  } catch (e) {
    if (!(e instanceof KeyError)) throw e;
    keyProblem = e.message;
  }
  return {
    /** Why sessions cannot be issued, or undefined when they can. */
    problem: keyProblem,
    issue(accountUuid: string, src: SessionSource): { token: string; expires: Date; issuedAtMs: number } {
      if (!key) return fail('forbidden', 'session-disabled');
      const exp = Math.floor(Date.now() / 1000) + lifetimeSec;
      const token = signJwt({ aud: AUDIENCE, exp, iss: s.issuer, sub: accountUuid, src }, key);
      return { token, expires: new Date(exp * 1000), issuedAtMs: (exp - lifetimeSec) * 1000 };
    },
    /**
     * The session of a validly signed, unexpired token, or undefined. Revocation is the caller's
     * check (`sigHash`). A token that verified once is remembered until it expires, so a repeat
     * costs a map lookup instead of an HMAC, a SHA-256 and two JSON parses.
     */
    verify(token: string): WebSession | undefined {
      if (!key) return undefined;
      const now = Date.now();
      const hit = verified.get(token, now);
      if (hit) return hit;
      try {
        // jwt-go accepted tokens without exp, iss or aud; ours always carry all three, so a token
        // without them was not issued by this server's sessions (another signer sharing the key).
        const { payload, sig } = verifyJwt(token, key, { checkNotBefore: true, issuer: s.issuer, audience: AUDIENCE });
        if (typeof payload.sub !== 'string' || !payload.sub) return undefined;
        const src = typeof payload.src === 'string' && SOURCES.has(payload.src) ? (payload.src as SessionSource) : 'login';
        const expMs = (payload.exp as number) * 1000;
        const session: WebSession = Object.freeze({ sub: payload.sub, src, expMs, issuedAtMs: expMs - lifetimeSec * 1000, sigHash: sha256(sig) });
        verified.set(token, session, expMs);
        return session;
      } catch (e) {
        if (e instanceof JwtError) return undefined;
        throw e;
      }
    },
  };
}
export type WebSessions = ReturnType<typeof webSessions>;
