import type { UserRow } from '../../../store/users.js';
import type { Accounts } from '../../accounts/accounts.js';
import { CoreError } from '../../errors.js';
import type { ClientRegistry } from '../clients.js';
import { OAuthError, oauthFail } from '../errors.js';
import type { IdTokens } from '../id-token.js';
import type { TokenIssuer } from '../issue.js';
import { containsAll, parseScopes } from '../scopes.js';
import type { GrantHandler } from './types.js';

export interface PasswordDeps {
  accounts: Pick<Accounts, 'assertLogin' | 'stillCurrent' | 'endStoredSessions'>;
  clients: Pick<ClientRegistry, 'checkSecret'>;
  issue: Pick<TokenIssuer, 'forAccount'>;
  idTokens: Pick<IdTokens, 'mint'>;
}

/**
 * `password` (RFC 6749 §4.3), off unless the client allows credentials. The sign-in is
 * simple-auth's AssertLogin, throttled per account; a lockout passes through as `locked`, any
 * other refusal becomes `invalid_request` carrying the core code for the dialect to word.
 */
export function passwordGrant(d: PasswordDeps): GrantHandler {
  return async (req, { row: r, client, ip }) => {
    const scopes = parseScopes(req.scope);
    if (!containsAll(client.scopes, scopes)) oauthFail('invalid_scope', 'Invald scopes');
    if (!client.settings.allowcredentials) oauthFail('invalid_request', 'trading credentials for token is disabled');
    await d.clients.checkSecret(r, req.clientSecret, ip, 'invalid_request', 'invalid secret');
    let user: UserRow;
    try {
      user = await d.accounts.assertLogin({ login: req.username ?? '', password: req.password ?? '', totp: req.totp ?? '', ip });
    } catch (e) {
      if (e instanceof CoreError && e.code !== 'locked') throw new OAuthError('invalid_request', e.message, false, e.code);
      throw e;
    }
    const out = await d.issue.forAccount(client, user, scopes, ip, d.idTokens.mint(r, client, user, scopes));
    // A password change or block while this sign-in ran: what it issued goes with the rest.
    if (!(await d.accounts.stillCurrent(user))) {
      await d.accounts.endStoredSessions(user.id);
      throw new OAuthError('invalid_request', 'Invalid Credentials', false, 'invalid_credentials');
    }
    return out;
  };
}
