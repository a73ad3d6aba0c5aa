import {
  allowInsecureRequests,
  ClientSecretBasic,
  ClientSecretPost,
  Configuration,
  customFetch,
  discovery,
  type ServerMetadata,
} from 'openid-client';
import { CoreError } from '../errors.js';
import type { Provider } from './providers/provider.js';
import { appleClientSecret } from './providers/apple.js';
import { addTokenType, callable, isLoopback, onThisMachine, timedFetch } from './upstream-http.js';

/** How long a discovery document is kept: providers rotate endpoints rarely, keys are cached apart (id-token.ts). */
const DISCOVERY_MS = 5 * 60_000;

/**
 * openid-client configurations, one per use. Discovery documents are kept a few minutes per
 * issuer (a failed discovery is not kept: the next sign-in tries again); the client part is
 * built fresh each time, because records may change the client id and secret at any moment and
 * Apple's secret is a short-lived JWT.
 */
export function clientConfigs(timeoutMs: number) {
  const fetcher = timedFetch(timeoutMs);
  const discovered = new Map<string, { at: number; meta: Promise<ServerMetadata> }>();

  function discover(issuer: string, clientId: string): Promise<ServerMetadata> {
    const hit = discovered.get(issuer);
    if (hit && Date.now() - hit.at < DISCOVERY_MS) return hit.meta;
    const url = new URL(issuer);
    const meta = discovery(url, clientId, undefined, undefined, {
      [customFetch]: fetcher,
      timeout: timeoutMs / 1000,
      execute: isLoopback(url) ? [allowInsecureRequests] : [],
    }).then((c) => ({ ...c.serverMetadata() }));
    const entry = { at: Date.now(), meta };
    discovered.set(issuer, entry);
    meta.catch(() => {
      if (discovered.get(issuer) === entry) discovered.delete(issuer);
    });
    return meta;
  }

  async function metadata(p: Provider): Promise<ServerMetadata> {
    if (p.protocol === 'oauth2') {
      const auth = p.authorizationUrl ?? '';
      return { issuer: URL.canParse(auth) ? new URL(auth).origin : p.id, authorization_endpoint: p.authorizationUrl, token_endpoint: p.tokenUrl };
    }
    const found = await discover(p.issuer ?? '', p.clientId);
    // ARC's GOOGLE_AUTH_URL and GOOGLE_AUTH_TOKEN_URL (and simple's authurl/tokenurl) still win.
    return {
      ...found,
      ...(p.authorizationUrl && { authorization_endpoint: p.authorizationUrl }),
      ...(p.tokenUrl && { token_endpoint: p.tokenUrl }),
      ...(p.userinfoUrl && { userinfo_endpoint: p.userinfoUrl }),
    };
  }

  return {
    /** The provider's configuration and (discovered) metadata; throws what openid-client throws. */
    async configuration(p: Provider): Promise<{ config: Configuration; meta: ServerMetadata }> {
      const meta = await metadata(p);
      const urls = [p.protocol === 'oidc' ? meta.issuer : undefined, meta.authorization_endpoint, meta.token_endpoint, meta.userinfo_endpoint, meta.jwks_uri].filter((u): u is string => !!u);
      // A discovery document that sends us to plain http elsewhere is not followed, nor one of a
      // remote provider that sends us to this machine's loopback (services listening only there).
      const local = new Set([p.issuer, p.authorizationUrl, p.tokenUrl, p.userinfoUrl].filter((u): u is string => !!u && onThisMachine(u)));
      const localIssuer = p.protocol === 'oidc' && !!p.issuer && local.has(p.issuer);
      if (urls.some((u) => !callable(u) || (onThisMachine(u) && !localIssuer && !local.has(u)))) {
        throw new CoreError('upstream_failed', `${p.id}: an endpoint is neither https nor this provider's loopback`);
      }
      const secret = p.apple ? await appleClientSecret(p) : p.clientSecret;
      const methods = meta.token_endpoint_auth_methods_supported;
      // The originals sent the secret in the form; Basic where the provider takes nothing else.
      const auth = p.protocol === 'oauth2' || p.apple || !methods || methods.includes('client_secret_post') ? ClientSecretPost(secret) : ClientSecretBasic(secret);
      const config = new Configuration(meta, p.clientId, secret, auth);
      config[customFetch] = p.tokenTypeMissing && meta.token_endpoint ? addTokenType(fetcher, meta.token_endpoint) : fetcher;
      config.timeout = timeoutMs / 1000;
      if (urls.some((u) => URL.canParse(u) && isLoopback(new URL(u)))) allowInsecureRequests(config);
      return { config, meta };
    },
  };
}
export type ClientConfigs = ReturnType<typeof clientConfigs>;
