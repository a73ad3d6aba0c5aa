import type { OauthClientRow } from '../../store/oauth-clients.js';
import type { UserRow } from '../../store/users.js';
import type { SecretBox } from '../util/crypto.js';
import { signingKey, signJwt, type SigningKey } from '../tokens/jwt.js';
import type { OAuth2Client } from './clients.js';

/**
 * OpenID id_tokens for clients configured with a signing key (`oidc`). Added to what the
 * authorization_code and password grants answer; the refresh and client_credentials grants
 * answer without one, as the original did.
 */
export function idTokens(d: { box: SecretBox }) {
  // Kept per client until its sealed key changes, so that an id_token costs no decryption or key parsing.
  const keys = new Map<number, { sealed: string; key: SigningKey }>();
  const oidcKey = (r: OauthClientRow): SigningKey | undefined => {
    if (!r.oidc_alg || !r.oidc_key_enc) return undefined;
    const hit = keys.get(r.id);
    if (hit && hit.sealed === r.oidc_key_enc) return hit.key;
    const key = signingKey(r.oidc_alg, d.box.open(r.oidc_key_enc));
    keys.set(r.id, { sealed: r.oidc_key_enc, key });
    return key;
  };

  return {
    /** The id_token for `user`, or undefined when the client has no signing key. */
    mint(r: OauthClientRow, client: OAuth2Client, user: UserRow, scopes: string[]): string | undefined {
      const key = oidcKey(r);
      if (!key) return undefined;
      const claims: Record<string, unknown> = {
        aud: client.clientId,
        exp: Math.floor(Date.now() / 1000) + client.settings.tokenexpiresseconds,
        iss: client.settings.issuer,
        sub: user.uuid,
      };
      if (scopes.includes('email') && user.email) claims.email = user.email;
      if (scopes.includes('username')) claims.name = user.name ?? user.username;
      return signJwt(claims, key);
    },
  };
}
export type IdTokens = ReturnType<typeof idTokens>;
