import { AuthorizationResponseError, ClientError, ResponseBodyError, WWWAuthenticateChallengeError } from 'openid-client';
import { errors as jose } from 'jose';
import { CoreError } from '../errors.js';

/** openid-client's codes for a check of the provider's answer that failed (iss, aud, azp, exp, nonce, state…). */
const CHECK_FAILED = new Set(['OAUTH_JWT_CLAIM_COMPARISON_FAILED', 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED', 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED']);

/** jose's codes for an id_token that is not the provider's (forged, altered, expired, unknown key). */
const TOKEN_REJECTED = new Set([
  jose.JWSSignatureVerificationFailed.code,
  jose.JWTClaimValidationFailed.code,
  jose.JWTExpired.code,
  jose.JWKSNoMatchingKey.code,
  jose.JWKSMultipleMatchingKeys.code,
  jose.JWSInvalid.code,
  jose.JWTInvalid.code,
  jose.JOSEAlgNotAllowed.code,
  jose.JOSENotSupported.code,
]);

const statusOf = (x: unknown): number | undefined => (x instanceof Response ? x.status : undefined);

/** The token endpoint's JSON answer that openid-client refused as invalid, when it kept it. */
function answerOf(e: ClientError): Record<string, unknown> | undefined {
  const body = (e.cause as { cause?: { body?: unknown } } | undefined)?.cause?.body;
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
}

/**
 * Whether the provider refused (a denied or bad code, a refused token, an id_token that fails a
 * check): `upstream_rejected`. Anything else (down, slow, garbage, a 5xx) is `upstream_failed`.
 */
function refused(e: unknown): boolean {
  if (e instanceof AuthorizationResponseError || e instanceof WWWAuthenticateChallengeError) return true;
  if (e instanceof ResponseBodyError) return e.status < 500;
  if (e instanceof jose.JOSEError) return TOKEN_REJECTED.has(e.code);
  if (e instanceof ClientError) {
    if (CHECK_FAILED.has(e.code ?? '')) return true;
    // A 4xx that is not an OAuth error body (Facebook's and Instagram's refusals).
    if (e.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM') return (statusOf(e.cause) ?? 500) < 500;
    if (e.code === 'OAUTH_INVALID_RESPONSE') {
      const answer = answerOf(e);
      // GitHub refuses a code with HTTP 200 and an `error`; an OpenID answer without id_token is refused too.
      return !!answer && (typeof answer.error === 'string' || (typeof answer.access_token === 'string' && answer.id_token === undefined));
    }
  }
  return false;
}

/** A failure of a call upstream as the engine's CoreError; the message names no token or code. */
export function upstreamError(e: unknown): CoreError {
  if (e instanceof CoreError) return e;
  return new CoreError(refused(e) ? 'upstream_rejected' : 'upstream_failed', describe(e));
}

/** What is safe to log of an upstream failure: class, code and message, never the cause (it may hold the answer, tokens included). */
export function describe(e: unknown): string {
  if (!(e instanceof Error)) return 'upstream failure';
  const code = (e as { code?: unknown }).code;
  const oauth = (e as { error?: unknown }).error;
  return [e.name, typeof code === 'string' ? code : undefined, typeof oauth === 'string' ? oauth : undefined, e.message].filter(Boolean).join(': ');
}
