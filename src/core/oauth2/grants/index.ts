import { authorizationCodeGrant, type AuthorizationCodeDeps } from './authorization-code.js';
import { clientCredentialsGrant, type ClientCredentialsDeps } from './client-credentials.js';
import { passwordGrant, type PasswordDeps } from './password.js';
import { refreshTokenGrant, type RefreshTokenDeps } from './refresh-token.js';
import type { GrantHandler } from './types.js';

export type { GrantContext, GrantHandler, TokenRequest } from './types.js';

export type GrantDeps = AuthorizationCodeDeps & PasswordDeps & RefreshTokenDeps & ClientCredentialsDeps;

/**
 * The token endpoint's grants by `grant_type`. A new grant is one module here and one line
 * below. A Map, not an object, so that a `grant_type` of `__proto__` or `toString` is unknown.
 */
export function grantTypes(d: GrantDeps): ReadonlyMap<string, GrantHandler> {
  return new Map<string, GrantHandler>([
    ['authorization_code', authorizationCodeGrant(d)],
    ['password', passwordGrant(d)],
    ['refresh_token', refreshTokenGrant(d)],
    ['client_credentials', clientCredentialsGrant(d)],
  ]);
}
