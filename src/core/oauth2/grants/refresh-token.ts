import type { Store } from '../../../store/index.js';
import type { ClientRegistry } from '../clients.js';
import { oauthFail } from '../errors.js';
import { isInactive, type TokenIssuer } from '../issue.js';
import { parseScopes } from '../scopes.js';
import type { GrantHandler } from './types.js';

export interface RefreshTokenDeps {
  store: Pick<Store, 'oauthTokens'>;
  clients: Pick<ClientRegistry, 'checkSecret'>;
  issue: Pick<TokenIssuer, 'issued' | 'ownerOf' | 'accessOnly'>;
}

/**
 * `refresh_token` (RFC 6749 §6), as simple-auth has it: the refresh token is not rotated and
 * the answer is a lone access token of the refresh token's scopes; with `revokeoldtokens` the
 * account's access tokens and codes for the client end first, its refresh tokens live on.
 */
export function refreshTokenGrant(d: RefreshTokenDeps): GrantHandler {
  return async (req, { row: r, client, now, ip }) => {
    await d.clients.checkSecret(r, req.clientSecret, ip, 'server_error', 'invalid secret');
    const row = await d.issue.issued(req.refreshToken ?? '', 'refresh_token', client, ip);
    if (Number(row.expires_at) <= now) oauthFail('server_error', 'expired token');
    const user = await d.issue.ownerOf(row);
    if (!user || isInactive(user)) return oauthFail('server_error', 'inactive account');
    if (client.settings.revokeoldtokens) await d.store.oauthTokens.revoke(client.id, user.id, now, { keepRefresh: true });
    return d.issue.accessOnly(client, user.id, parseScopes(row.scope), ip);
  };
}
