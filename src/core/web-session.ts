import { signingKey, signJwt, verifyJwt, JwtError, KeyError, type SigningKey } from './jwt.js';
import { fail } from './errors.js';

/** How a web session began; `shared-secret` is never put in a cookie. */
export type SessionSource = 'login' | 'oidc' | 'onetime' | 'shared-secret';

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
  let keyProblem: string | undefined;
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
    issue(accountUuid: string, src: SessionSource): { token: string; expires: Date } {
      if (!key) return fail('forbidden', 'session-disabled');
      const exp = Math.floor(Date.now() / 1000) + Math.round(s.expiresMinutes * 60);
      const token = signJwt({ aud: 'simple-auth', exp, iss: s.issuer, sub: accountUuid, src }, key);
      return { token, expires: new Date(exp * 1000) };
    },
    /** The account uuid and source of a valid session token, or undefined. */
    verify(token: string): { sub: string; src: SessionSource } | undefined {
      if (!key) return undefined;
      try {
        const { payload } = verifyJwt(token, key, { checkNotBefore: true });
        if (typeof payload.sub !== 'string' || !payload.sub) return undefined;
        const src = typeof payload.src === 'string' ? (payload.src as SessionSource) : 'login';
        return { sub: payload.sub, src };
      } catch (e) {
        if (e instanceof JwtError) return undefined;
        throw e;
      }
    },
  };
}
export type WebSessions = ReturnType<typeof webSessions>;
