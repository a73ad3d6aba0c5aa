import { createRemoteJWKSet, customFetch, jwtVerify, type FetchImplementation, type JWTPayload } from 'jose';
import { CoreError } from '../errors.js';
import { timedFetch } from './upstream-http.js';

/** Signatures an OpenID provider signs id_tokens with; a symmetric (HS*) one would be keyed by our own client secret. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

export interface IdTokenChecks {
  jwksUri: string;
  issuer: string;
  /** Our client id. */
  audience: string;
  /** The nonce sent with this sign-in's authorization request. */
  nonce: string;
}

/**
 * Verifies an id_token from the token endpoint: openid-client checks its claims there but not
 * its signature (decision 9: the original checked neither). The provider's keys are fetched
 * from its jwks_uri and kept by jose (refetched when an unknown key id appears, at most every
 * 30 s), one key set per URI.
 */
export function idTokenVerifier(timeoutMs: number) {
  const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  // Time-limited and size-capped as every other call upstream (jose's own fetch reads any size).
  const timed = timedFetch(timeoutMs);
  const fetcher: FetchImplementation = (url, o) => timed(url, { method: o.method, redirect: o.redirect, signal: o.signal, headers: Object.fromEntries(o.headers), body: undefined });
  return async function verify(idToken: string, c: IdTokenChecks): Promise<JWTPayload & { sub: string }> {
    let keys = keySets.get(c.jwksUri);
    if (!keys) {
      keys = createRemoteJWKSet(new URL(c.jwksUri), { timeoutDuration: timeoutMs, [customFetch]: fetcher });
      keySets.set(c.jwksUri, keys);
    }
    const { payload } = await jwtVerify(idToken, keys, {
      issuer: c.issuer,
      audience: c.audience,
      algorithms: ALGORITHMS,
      requiredClaims: ['sub', 'exp', 'iat'],
      clockTolerance: 30,
    });
    if (payload.nonce !== c.nonce) throw new CoreError('upstream_rejected', 'id_token nonce does not match');
    if (typeof payload.sub !== 'string' || !payload.sub) throw new CoreError('upstream_rejected', 'id_token has no subject');
    return payload as JWTPayload & { sub: string };
  };
}
export type IdTokenVerifier = ReturnType<typeof idTokenVerifier>;
