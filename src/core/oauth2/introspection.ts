import type { Store } from '../../store/index.js';
import { sha256 } from '../util/crypto.js';
import { ExpiringCache } from '../util/expiring-cache.js';
import type { ClientRegistry } from './clients.js';
import { isInactive, type TokenIssuer } from './issue.js';
import { parseScopes } from './scopes.js';

export type Introspection =
  | { active: false }
  | { active: true; scope?: string; client_id: string; token_type: string; iat: number; exp: number; sub?: string; aud: string; iss?: string; email?: string; username?: string };

/** Active introspections each server remembers (resource servers ask about the same tokens again and again). */
const INTROSPECTED_MAX = 8192;
/** How long a remembered introspection may be trusted where other nodes' writes cannot be seen. */
const INTROSPECTED_MAX_AGE_MS = 1000;

export interface IntrospectionDeps {
  store: Pick<Store, 'oauthTokens' | 'oauthClients' | 'tokensGeneration' | 'seesExternalWrites'>;
  clients: Pick<ClientRegistry, 'view'>;
  issue: Pick<TokenIssuer, 'ownerOf'>;
  ready: () => Promise<void>;
}

/**
 * token_info (§6.5): any token type, by value. An active answer is remembered until the token
 * expires or the store's token generation moves (a token, client or account written), so a
 * repeat costs a map lookup instead of three queries.
 */
export function introspection(d: IntrospectionDeps) {
  const tokens = d.store.oauthTokens;
  const introspected = new ExpiringCache<{ answer: Introspection; generation: number }>(INTROSPECTED_MAX);
  // Other nodes' revocations reach this one's cache within this time where the store cannot tell.
  const introspectedMaxAge = d.store.seesExternalWrites ? Infinity : INTROSPECTED_MAX_AGE_MS;

  function remembered(token: string, now: number, generation: number): Introspection | undefined {
    const hit = introspected.get(token, now);
    return hit && hit.generation === generation ? hit.answer : undefined;
  }

  /** What token_info says of a token, from the database. */
  async function fromStore(hash: string, now: number): Promise<Introspection> {
    const row = await tokens.activeByHash(hash, now);
    // Codes are a few digits and token_info needs no client authentication: answering for them
    // would let anyone find live codes by guessing (the original answered for every type).
    if (!row || row.type === 'code') return { active: false };
    const [r, user] = await Promise.all([d.store.oauthClients.byId(row.client_id), d.issue.ownerOf(row)]);
    if (!r) return { active: false };
    // A token of an account is dead with the account; a client's own token has none.
    if (row.user_id !== null && (!user || isInactive(user))) return { active: false };
    const client = d.clients.view(r);
    const scopes = parseScopes(row.scope);
    // The original's field order (§6.5), so the answer serialises to the same bytes.
    const out: Introspection = {
      active: true,
      ...(row.scope ? { scope: scopes.join(' ') } : {}),
      client_id: client.clientId,
      token_type: row.type,
      iat: Math.floor(Number(row.created_at) / 1000),
      exp: Math.floor(Number(row.expires_at) / 1000),
      ...(user ? { sub: user.uuid } : {}),
      aud: client.clientId,
    };
    if (client.settings.issuer) out.iss = client.settings.issuer;
    if (user && scopes.includes('email') && user.email) out.email = user.email;
    if (user && scopes.includes('username')) out.username = user.name ?? user.username;
    return Object.freeze(out);
  }

  return {
    async introspect(token: string): Promise<Introspection> {
      await d.ready();
      if (!token || token.length > 256) return { active: false };
      const now = Date.now();
      // Read before the queries: a write that lands while they run leaves a stale generation.
      const generation = d.store.tokensGeneration.current();
      const hit = remembered(token, now, generation);
      if (hit) return hit;
      const answer = await fromStore(sha256(token), now);
      if (answer.active) introspected.set(token, { answer, generation }, Math.min(Number(answer.exp) * 1000, now + introspectedMaxAge));
      else introspected.delete(token);
      return answer;
    },

    /** The remembered active answer for a token, if still true: `introspect` without a promise. */
    remembered: (token: string): Introspection | undefined => remembered(token, Date.now(), d.store.tokensGeneration.current()),
  };
}
export type TokenIntrospection = ReturnType<typeof introspection>;
