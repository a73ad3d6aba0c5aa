import type { Store } from '../../store/index.js';
import type { UserRow } from '../../store/users.js';
import type { ClientRegistry } from './clients.js';
import { oauthFail } from './errors.js';
import { isInactive, type TokenIssuer } from './issue.js';
import { pkceChallenge } from './pkce.js';
import { containsAll, matches, parseScopes } from './scopes.js';

export interface AuthorizeRequest {
  clientId: string;
  responseType: string;
  redirectUri: string;
  scope?: string;
  state?: string;
  auto?: boolean;
  codeChallenge?: string;
  codeChallengeMethod?: string;
}

export interface AuthorizeDeps {
  store: Pick<Store, 'oauthTokens'>;
  clients: Pick<ClientRegistry, 'row' | 'view'>;
  issue: Pick<TokenIssuer, 'create'>;
}

/**
 * The grant endpoint (§6.3): a code for a signed-in account, checked in the original's order.
 * The code remembers its redirect URI and PKCE challenge for the token endpoint.
 */
export function authorization(d: AuthorizeDeps) {
  return async function authorize(user: UserRow, req: AuthorizeRequest, ip?: string): Promise<{ code: string; state?: string }> {
    if (req.responseType !== 'code') oauthFail('invalid_request', 'Expected response_type to be code');
    const r = await d.clients.row(req.clientId);
    if (!r) return oauthFail('invalid_client', `Unknown client id ${req.clientId}`);
    const client = d.clients.view(r);
    if (!client.redirectUris.includes(req.redirectUri)) oauthFail('invalid_request', 'Unknown redirect URI');
    if (isInactive(user)) oauthFail('invalid_request', 'No session');
    const scopes = parseScopes(req.scope);
    if (!containsAll(client.scopes, scopes)) oauthFail('invalid_scope', 'Invalid scopes');
    const data: Record<string, unknown> = { redirect_uri: req.redirectUri, ...pkceChallenge(client, req.codeChallenge, req.codeChallengeMethod) };
    if (req.auto) {
      // Auto-granting only repeats consent already given: a live access token of the same scopes.
      if (!client.settings.allowautogrant) oauthFail('invalid_request', 'Auto granting not allowed');
      const live = await d.store.oauthTokens.forClientUser(client.id, user.id, Date.now());
      if (!live.some((t) => t.type === 'access_token' && matches(parseScopes(t.scope), scopes))) oauthFail('invalid_grant', 'no existing token');
    }
    const { token } = await d.issue.create('code', client, user.id, scopes, client.settings.codeexpiresseconds * 1000, ip, data);
    return req.state ? { code: token, state: req.state } : { code: token };
  };
}
