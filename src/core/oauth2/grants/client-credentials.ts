import type { ClientRegistry } from '../clients.js';
import { oauthFail } from '../errors.js';
import type { TokenIssuer } from '../issue.js';
import { containsAll, parseScopes } from '../scopes.js';
import type { GrantHandler } from './types.js';

export interface ClientCredentialsDeps {
  clients: Pick<ClientRegistry, 'checkSecret' | 'hasSecret'>;
  issue: Pick<TokenIssuer, 'accessOnly'>;
}

/**
 * `client_credentials` (RFC 6749 §4.4), an addition: the client's own token, no account, for
 * confidential clients that opt in (`allowclientcredentials`); the original had no such grant.
 */
export function clientCredentialsGrant(d: ClientCredentialsDeps): GrantHandler {
  return async (req, { row: r, client, ip }) => {
    if (client.publicClient || !d.clients.hasSecret(r)) oauthFail('unauthorized_client', 'client_credentials is for confidential clients');
    if (!client.settings.allowclientcredentials) oauthFail('unauthorized_client', 'client_credentials is not enabled for this client');
    await d.clients.checkSecret(r, req.clientSecret, ip, 'server_error', 'invalid secret');
    const scopes = parseScopes(req.scope);
    if (!containsAll(client.scopes, scopes)) oauthFail('invalid_scope', 'Invalid scopes');
    return d.issue.accessOnly(client, null, scopes, ip);
  };
}
