import { BadRequest, Conflict, FeathersError, Forbidden, NotAuthenticated, NotFound } from '@feathersjs/errors';
import { CoreError } from '../../../core/errors.js';
import type { FederationErrorCode } from '../../../core/federation/types.js';
import { toFeathersError } from '../errors.js';

/**
 * The federation engine's failures as Feathers errors. The messages are fixed (the engine's own
 * may name what check failed, which belongs in the log): they reach the app in `#error=`.
 */
const FEDERATION: Record<FederationErrorCode, () => FeathersError> = {
  provider_unknown: () => new NotFound('OAuth provider is not configured'),
  state_invalid: () => new BadRequest('Invalid or expired OAuth state: start the sign-in again'),
  upstream_failed: () => new BadRequest('The OAuth provider did not answer properly: try again later'),
  upstream_rejected: () => new NotAuthenticated('The OAuth provider refused the sign-in'),
  signup_disabled: () => new Forbidden('Sign-up is disabled: no account is linked to this identity'),
  identity_conflict: () => new Conflict('An account with this email exists: sign in to it first (the provider does not assert the email as verified)'),
  identity_taken: () => new Conflict('This identity is linked to another account'),
  last_login_method: () => new Conflict('This is the only way into an account without a password: set a password before removing it'),
};

/** The Feathers error of one engine failure, for the dialect's own checks that mean the same. */
export const federationFailure = (code: FederationErrorCode): FeathersError => FEDERATION[code]();

export function isFederationCode(code: string): code is FederationErrorCode {
  return Object.hasOwn(FEDERATION, code);
}

/** Any failure of an OAuth sign-in or link as the Feathers error to send. */
export function oauthError(e: unknown): FeathersError {
  if (e instanceof CoreError && isFederationCode(e.code)) return FEDERATION[e.code]();
  return toFeathersError(e);
}
