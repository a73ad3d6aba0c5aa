import type { Store } from '../../../store/index.js';
import type { ClientRegistry } from '../clients.js';
import { oauthFail } from '../errors.js';
import type { IdTokens } from '../id-token.js';
import { isInactive, type TokenIssuer } from '../issue.js';
import { checkPkceVerifier } from '../pkce.js';
import { parseScopes } from '../scopes.js';
import type { GrantHandler } from './types.js';

export interface AuthorizationCodeDeps {
  store: Pick<Store, 'oauthTokens'>;
  clients: Pick<ClientRegistry, 'checkSecret'>;
  issue: Pick<TokenIssuer, 'issued' | 'ownerOf' | 'forAccount'>;
  idTokens: Pick<IdTokens, 'mint'>;
}

/** What the authorization stored with the code. */
interface CodeData {
  redirect_uri?: string;
  code_challenge?: string;
}
function codeData(raw: string | null): CodeData {
  try {
    return raw ? (JSON.parse(raw) as CodeData) : {};
  } catch {
    return {};
  }
}

/**
 * `authorization_code` (RFC 6749 §4.1.3). The code is spent before its redirect_uri binding and
 * PKCE verifier are checked, so that whoever holds a stolen code gets one try.
 */
export function authorizationCodeGrant(d: AuthorizationCodeDeps): GrantHandler {
  return async (req, { row: r, client, now, ip }) => {
    if (!client.redirectUris.includes(req.redirectUri ?? '')) oauthFail('unauthorized_client', 'Invalid redirect_uri');
    await d.clients.checkSecret(r, req.clientSecret, ip, 'server_error', 'invalid secret');
    const row = await d.issue.issued(req.code ?? '', 'code', client, ip);
    if (Number(row.expires_at) <= now) oauthFail('server_error', 'expired token');
    if (!(await d.store.oauthTokens.consume(row.id, now))) oauthFail('server_error', 'record not found');
    const data = codeData(row.data);
    if (data.redirect_uri !== undefined && data.redirect_uri !== req.redirectUri) oauthFail('invalid_grant', 'redirect_uri does not match the authorization request');
    checkPkceVerifier(client, data.code_challenge, req.codeVerifier);
    const user = await d.issue.ownerOf(row);
    if (!user || isInactive(user)) return oauthFail('server_error', 'inactive account');
    const scopes = parseScopes(row.scope);
    return d.issue.forAccount(client, user, scopes, ip, d.idTokens.mint(r, client, user, scopes));
  };
}
