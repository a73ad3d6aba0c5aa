import type { Store } from '../../store/index.js';
import { sha256 } from '../util/crypto.js';
import type { ClientRegistry } from './clients.js';

export interface AccountTokenView {
  client_id: string;
  client_name: string;
  short_token: string;
  type: string;
  created: string;
  expires: string;
}

export interface AccountTokensDeps {
  store: Pick<Store, 'oauthTokens'>;
  clients: Pick<ClientRegistry, 'row'>;
  ready: () => Promise<void>;
}

/** What an account sees of its own tokens: a client's own (client_credentials) tokens are not among them. */
export function accountTokens(d: AccountTokensDeps) {
  const tokens = d.store.oauthTokens;
  return {
    /** The account's live tokens for every client (§6.6). */
    async list(userId: number): Promise<AccountTokenView[]> {
      await d.ready();
      const rows = await tokens.forUser(userId, Date.now());
      return rows.map((t) => ({
        client_id: t.client_id,
        client_name: t.name ?? '',
        short_token: t.short,
        type: t.type,
        created: new Date(Number(t.created_at)).toISOString(),
        expires: new Date(Number(t.expires_at)).toISOString(),
      }));
    },

    /** Revocation by the account (§6.7): one token or all of the client+account; unknown client is a no-op. */
    async revoke(userId: number, clientId: string, token?: string): Promise<void> {
      const r = await d.clients.row(clientId);
      if (!r) return;
      await tokens.revoke(r.id, userId, Date.now(), token ? { hash: sha256(token) } : {});
    },
  };
}
