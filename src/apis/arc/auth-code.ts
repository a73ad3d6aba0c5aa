import { randomBytes } from 'node:crypto';
import type { Core } from '../../core/index.js';
import type { Client } from '../../core/clients.js';
import type { Account } from '../../core/accounts/accounts.js';
import { signHs256 } from '../../core/tokens/jwt.js';

/** What `/auth/token` learns from a code besides its user and client. */
export interface AuthCodeData {
  /** How the user signed in: `password`, `otp`, or the social provider (`google`…). */
  source: string;
  /** The account's session cut-off when it signed in: a password change or block since voids the code. */
  cutOff: number | null;
  /** The provider's tokens, sealed by core.federation, for the session (`/keycloak/logout`). */
  upstream?: string;
}

/**
 * ARC's authorization code (§5.1): an HS256 JWT signed with the client's secret, for the client
 * (aud) and the user. Stored (hashed) so that it can be exchanged once only; the original allowed
 * replays. The social callbacks' code names the user as a local one does: the original put the
 * whole user, with the provider's tokens, readable in the JWT.
 */
export async function issueAuthCode(core: Core, client: Client, user: Account, data: AuthCodeData): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  const code = signHs256(
    { clientId: client.clientId, userId: user.uuid, iat, exp: iat + client.authCodeExpiration, aud: client.clientId, jti: randomBytes(12).toString('base64url'), iss: core.config.jwtIssuer },
    client.secret,
  );
  await core.codes.issue({ purpose: 'auth_code', secret: code, ttlSec: client.authCodeExpiration, userId: user.id, clientId: client.id, data });
  return code;
}

/** The data of a consumed code row (written by `issueAuthCode`). */
export function authCodeData(raw: string | null): Partial<AuthCodeData> {
  return JSON.parse(raw ?? '{}') as Partial<AuthCodeData>;
}
