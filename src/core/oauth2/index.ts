import type { Config } from '../../config/index.js';
import type { Store } from '../../store/index.js';
import type { Accounts } from '../accounts/accounts.js';
import type { AuditLog } from '../audit.js';
import type { SecretBox } from '../util/crypto.js';
import type { LoginThrottle } from '../throttle.js';
import { accountTokens } from './account-tokens.js';
import { authorization } from './authorize.js';
import { clientRegistry } from './clients.js';
import { configClientSync } from './config-clients.js';
import { oauthFail } from './errors.js';
import { grantTypes, type TokenRequest } from './grants/index.js';
import { idTokens } from './id-token.js';
import { introspection } from './introspection.js';
import { tokenIssuer, type TokenResponse } from './issue.js';

export { OAuthError } from './errors.js';
export { parseScopes } from './scopes.js';
export { parseConfigClient } from './config-clients.js';
export type { OAuth2Client, OAuth2ClientChange, OAuth2ClientInput, OAuth2Settings } from './clients.js';
export type { TokenResponse } from './issue.js';
export type { Introspection } from './introspection.js';
export type { AuthorizeRequest } from './authorize.js';
export type { TokenRequest } from './grants/index.js';

export interface OAuth2Deps {
  config: Config;
  store: Pick<Store, 'oauthTokens' | 'oauthClients' | 'tokensGeneration' | 'seesExternalWrites'>;
  box: SecretBox;
  throttle: LoginThrottle;
  audit: AuditLog;
  accounts: Pick<Accounts, 'byId' | 'assertLogin' | 'stillCurrent' | 'endStoredSessions'>;
}

/** The OAuth2 authorization server of simple-auth (§6): clients, codes, tokens, introspection. */
export function oauth2Server(d: OAuth2Deps) {
  const { config, store, box, throttle, audit, accounts } = d;
  const ready = configClientSync({ config, store, box });
  const clients = clientRegistry({ config, store, box, throttle, ready });
  const issue = tokenIssuer({ store, box, throttle, audit, accounts });
  const grants = grantTypes({ store, clients, issue, accounts, idTokens: idTokens({ box }) });
  const introspect = introspection({ store, clients, issue, ready });
  const mine = accountTokens({ store, clients, ready });

  return {
    /** Writes configured clients to the database; runs lazily on first use, callable at startup. */
    sync: ready,
    clientInfo: clients.info,
    listClients: clients.list,
    createClient: clients.create,
    updateClient: clients.update,
    deleteClient: (clientId: string, by = 'cli'): Promise<boolean> => clients.remove(clientId, by),

    /** The grant endpoint (§6.3), for an account already authenticated. */
    grant: authorization({ store, clients, issue }),

    /** The token endpoint (§6.4): the client, then the handler of the request's `grant_type`. */
    async token(req: TokenRequest, ip?: string): Promise<TokenResponse> {
      const row = await clients.row(req.clientId);
      if (!row) return oauthFail('invalid_client', 'Invalid client id');
      const client = clients.view(row);
      const now = Date.now();
      const handle = grants.get(req.grantType);
      if (!handle) return oauthFail('unsupported_grant_type', `Unknown grant type: ${req.grantType}`);
      return handle(req, { row, client, now, ip });
    },

    /** token_info (§6.5): any token type, by value. */
    introspect: introspect.introspect,
    /** The remembered active answer for a token, if still true: `introspect` without a promise. */
    rememberedIntrospection: introspect.remembered,

    listTokens: mine.list,
    revoke: mine.revoke,
  };
}
export type OAuth2Server = ReturnType<typeof oauth2Server>;
