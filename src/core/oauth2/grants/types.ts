import type { OauthClientRow } from '../../../store/oauth-clients.js';
import type { OAuth2Client } from '../clients.js';
import type { TokenResponse } from '../issue.js';

/** The token endpoint's parameters (§6.4); each grant reads the ones it needs. */
export interface TokenRequest {
  grantType: string;
  clientId: string;
  clientSecret?: string;
  code?: string;
  redirectUri?: string;
  codeVerifier?: string;
  username?: string;
  password?: string;
  totp?: string;
  scope?: string;
  refreshToken?: string;
}

/** The client the request names, found before the grant runs, and the request's time. */
export interface GrantContext {
  row: OauthClientRow;
  client: OAuth2Client;
  now: number;
  ip?: string;
}

export type GrantHandler = (req: TokenRequest, c: GrantContext) => Promise<TokenResponse>;
