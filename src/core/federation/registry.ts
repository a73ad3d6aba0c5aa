import { ConfigError, type Config } from '../../config/index.js';
import type { OAuthProvider } from '../records/types.js';
import type { ProviderConfig } from './types.js';
import { usable, type Provider } from './providers/provider.js';
import { google } from './providers/google.js';
import { apple } from './providers/apple.js';
import { keycloak } from './providers/keycloak.js';
import { facebook } from './providers/facebook.js';
import { instagram } from './providers/instagram.js';
import { github } from './providers/github.js';
import { genericProviders } from './providers/generic.js';
import { callable } from './upstream-http.js';

/** The `oauth_providers` records, as core.records offers them. */
export interface ProviderRecords {
  find(filter: { where?: Record<string, unknown> }): Promise<{ data: OAuthProvider[] }>;
  secretOf(slug: string): Promise<string | undefined>;
}

export type ProviderSummary = Pick<ProviderConfig, 'id' | 'name' | 'icon' | 'protocol' | 'source'>;

/**
 * Which providers exist: the built-in ones and the configured OpenID ones (their endpoints),
 * and the `oauth_providers` records, which may change at run time and are read on every use
 * (sign-ins are rare; a cache would have to be cleared on every node when one changes).
 *
 * A record names a provider by its slug: a built-in one (google, apple, keycloak, facebook,
 * instagram, github) or an `oidcProviders` id. It supplies the client id, secret, scope and
 * name; the endpoints stay those of the configuration. A record of an unknown slug has no
 * endpoints and cannot be used.
 */
export function providerRegistry(config: Config, records: ProviderRecords) {
  const known = new Map<string, Provider>();
  for (const p of [google(config), apple(config), keycloak(config), facebook(config), instagram(config), github(config)]) if (p) known.set(p.id, p);
  for (const p of genericProviders(config.oidcProviders)) {
    const builtin = known.get(p.id);
    if (builtin && usable(builtin)) throw new ConfigError(`oidcProviders: ${p.id} is configured by its own settings too; remove one of the two`);
    known.set(p.id, p);
  }

  // Plain http only to this machine (tests, development): checked once, when the server starts.
  for (const p of known.values()) {
    for (const [what, u] of Object.entries({ issuer: p.issuer, authorization: p.authorizationUrl, token: p.tokenUrl, profile: p.userinfoUrl, emails: p.emailsUrl, logout: p.endSessionUrl })) {
      if (u !== undefined && !callable(u)) throw new ConfigError(`${p.id}: the ${what} URL ${u} must be https (plain http only on 127.0.0.1, localhost or [::1])`);
    }
  }

  function fromRecord(base: Provider, r: OAuthProvider, secret: string | undefined): Provider {
    const ownClient = !!r.key && r.key !== base.clientId;
    return {
      ...base,
      name: r.name || base.name,
      clientId: r.key || base.clientId,
      // A record's client id is never paired with the configuration's secret of another client.
      clientSecret: secret ?? (ownClient ? undefined : base.clientSecret),
      scope: r.scope || base.scope,
      source: 'record',
    };
  }

  async function recordOf(id: string): Promise<OAuthProvider | undefined> {
    return (await records.find({ where: { slug: id } })).data.find((r) => r.slug === id);
  }

  return {
    /** The provider `id` when it can be used now, else undefined. */
    async get(id: string): Promise<Provider | undefined> {
      if (typeof id !== 'string' || !id) return undefined;
      const base = known.get(id);
      if (!base) return undefined;
      const record = await recordOf(id);
      const p = record ? fromRecord(base, record, await records.secretOf(id)) : base;
      return usable(p) ? p : undefined;
    },
    /** The usable providers, configuration order first, then records of configured endpoints. */
    async list(): Promise<ProviderSummary[]> {
      const byId = new Map((await records.find({})).data.map((r) => [r.slug, r]));
      const out: ProviderSummary[] = [];
      for (const base of known.values()) {
        const r = byId.get(base.id);
        const p = r ? fromRecord(base, r, await records.secretOf(base.id)) : base;
        if (usable(p)) out.push({ id: p.id, name: p.name, ...(p.icon !== undefined && { icon: p.icon }), protocol: p.protocol, source: p.source });
      }
      return out;
    },
    /** A known provider's settings whether or not it is configured (Keycloak logout needs its URL and client). */
    known: (id: string): Provider | undefined => known.get(id),
  };
}
export type ProviderRegistry = ReturnType<typeof providerRegistry>;
