import { randomInt, randomUUID } from 'node:crypto';
import type { Store } from '../../store/index.js';
import type { OauthTokenRow, OauthTokenType } from '../../store/oauth-tokens.js';
import type { UserRow } from '../../store/users.js';
import type { Accounts } from '../accounts/accounts.js';
import type { AuditLog } from '../audit.js';
import { sha256, type SecretBox } from '../util/crypto.js';
import { isBlocked } from '../rbac/permissions.js';
import type { LoginThrottle } from '../throttle.js';
import type { OAuth2Client } from './clients.js';
import { oauthFail } from './errors.js';
import { matches, parseScopes } from './scopes.js';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in?: number;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
}

const HUNDRED_YEARS_MS = 100 * 365.25 * 86_400_000;

/** A blocked or deleted account: its tokens are dead and it gets no new ones. */
export const isInactive = (u: UserRow): boolean => isBlocked(u) || u.deleted_at !== null;

/**
 * Throttle key for guessed codes and refresh tokens: per client when the client authenticated
 * (only its secret holder can guess), per client and IP for public clients (anyone can).
 */
const guessKey = (client: OAuth2Client, ip: string | undefined) => (client.publicClient ? `oauth2-code:${client.clientId}:${ip ?? 'unknown'}` : `oauth2-code:${client.clientId}`);

export interface TokenIssuerDeps {
  store: Pick<Store, 'oauthTokens'>;
  box: SecretBox;
  throttle: Pick<LoginThrottle, 'guess'>;
  audit: Pick<AuditLog, 'record'>;
  accounts: Pick<Accounts, 'byId'>;
}

/** Codes and tokens: allocation, reuse and revocation of old ones, and finding an issued one again. */
export function tokenIssuer(d: TokenIssuerDeps) {
  const tokens = d.store.oauthTokens;

  async function audit(userId: number | null, type: OauthTokenType, ip: string | undefined) {
    // A client_credentials token has no account, hence no account audit.
    if (userId === null) return;
    await d.audit.record({ userId, module: 'auth:oauth2', level: 'info', message: `Issued OAuth2 ${type}`, ip: ip ?? null });
  }

  /** Stores a new token of `type` (UUIDv4, or numeric code) and audits it; returns the plain value. `userId` null: a client's own token. */
  async function create(type: OauthTokenType, client: OAuth2Client, userId: number | null, scopes: string[], expiresMs: number, ip: string | undefined, data?: Record<string, unknown>): Promise<{ token: string; row: OauthTokenRow }> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const now = Date.now();
      let token: string;
      if (type === 'code') {
        token = '';
        for (let i = 0; i < client.settings.codelength; i++) token += String(randomInt(10));
      } else token = randomUUID();
      const hash = sha256(token);
      const row = await tokens.insert({
        hash,
        token_enc: type === 'code' ? null : d.box.seal(token),
        short: token.slice(0, 5),
        type,
        client_id: client.id,
        user_id: userId,
        scope: scopes.join(' '),
        data: data ? JSON.stringify(data) : null,
        created_at: now,
        expires_at: now + expiresMs,
      });
      if (row) {
        await audit(userId, type, ip);
        return { token, row };
      }
      // A short code may meet an old one: a dead row gives its hash up, a live one means draw again.
      const old = await tokens.byHashAny(hash);
      if (old) await tokens.purgeDead(old.id, now);
    }
    throw new Error('could not allocate a unique OAuth2 token');
  }

  const tokenOf = (row: OauthTokenRow): string | undefined => {
    if (!row.token_enc) return undefined;
    try {
      return d.box.open(row.token_enc);
    } catch {
      return undefined;
    }
  };

  return {
    create,

    /**
     * simple-auth issueToken, for an account: with `reusetoken` the live access (and refresh)
     * token of the same scopes is answered again; else, with `revokeoldtokens`, the client's
     * tokens for the account end before a new access (+refresh) token is minted.
     */
    async forAccount(client: OAuth2Client, user: UserRow, scopes: string[], ip: string | undefined, idToken: string | undefined): Promise<TokenResponse> {
      const s = client.settings;
      const scope = scopes.length ? scopes.join(' ') : undefined;
      const now = Date.now();
      if (s.reusetoken) {
        const live = await tokens.forClientUser(client.id, user.id, now);
        const access = live.find((t) => t.type === 'access_token' && matches(parseScopes(t.scope), scopes) && tokenOf(t));
        const refresh = s.issuerefreshtoken ? live.find((t) => t.type === 'refresh_token' && tokenOf(t)) : undefined;
        if (access && (!s.issuerefreshtoken || refresh)) {
          const out: TokenResponse = { access_token: tokenOf(access) as string, token_type: 'Bearer' };
          const left = Math.floor((Number(access.expires_at) - now) / 1000);
          if (left > 0) out.expires_in = left;
          if (refresh) out.refresh_token = tokenOf(refresh);
          if (idToken) out.id_token = idToken;
          if (scope) out.scope = scope;
          return out;
        }
      }
      if (s.revokeoldtokens) await tokens.revoke(client.id, user.id, now);
      const access = await create('access_token', client, user.id, scopes, s.tokenexpiresseconds * 1000, ip);
      const out: TokenResponse = { access_token: access.token, token_type: 'Bearer', expires_in: s.tokenexpiresseconds };
      if (s.issuerefreshtoken) out.refresh_token = (await create('refresh_token', client, user.id, scopes, HUNDRED_YEARS_MS, ip)).token;
      if (idToken) out.id_token = idToken;
      if (scope) out.scope = scope;
      return out;
    },

    /** A lone access token (refresh and client_credentials grants): no refresh token, no id_token. */
    async accessOnly(client: OAuth2Client, userId: number | null, scopes: string[], ip?: string): Promise<TokenResponse> {
      const s = client.settings;
      const access = await create('access_token', client, userId, scopes, s.tokenexpiresseconds * 1000, ip);
      const out: TokenResponse = { access_token: access.token, token_type: 'Bearer', expires_in: s.tokenexpiresseconds };
      if (scopes.length) out.scope = scopes.join(' ');
      return out;
    },

    /**
     * A code or refresh token of this client, under the guess throttle: only values never issued
     * count as guesses, so a client replaying a used code is not locked out.
     */
    issued: (value: string, type: 'code' | 'refresh_token', client: OAuth2Client, ip?: string): Promise<OauthTokenRow> =>
      d.throttle.guess(guessKey(client, ip), ip, async () => {
        const t = value && value.length <= 256 ? await tokens.byHashAny(sha256(value)) : undefined;
        if (!t || t.type !== type || t.client_id !== client.id) return oauthFail('server_error', 'record not found', true);
        if (t.deleted_at !== null) return oauthFail('server_error', 'record not found');
        return t;
      }),

    /** The account of a token; undefined for a client's own (client_credentials) token. */
    ownerOf: (row: OauthTokenRow): Promise<UserRow | undefined> => (row.user_id === null ? Promise.resolve(undefined) : d.accounts.byId(row.user_id)),
  };
}
export type TokenIssuer = ReturnType<typeof tokenIssuer>;
