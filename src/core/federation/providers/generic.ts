import { ConfigError } from '../../../config/index.js';
import type { Provider } from './provider.js';

/** A path segment (`/oidc/{id}`) and the identities' provider name. */
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const KEYS = new Set(['id', 'name', 'icon', 'clientid', 'clientsecret', 'authurl', 'tokenurl', 'issuer', 'scope']);

/**
 * The OpenID providers of the configuration (`oidcProviders`, or SA_PROVIDERS_OIDC as JSON), in
 * simple-auth's `providers.oidc` shape plus `issuer` and `scope`. The original had no issuer
 * and verified nothing; an id_token can only be verified against the issuer's keys, so an
 * entry without one is refused when the server starts rather than accepted unverified.
 */
export function genericProviders(list: unknown[]): Provider[] {
  const seen = new Set<string>();
  return list.map((raw, i) => {
    const where = `oidcProviders[${i}]`;
    const bad = (msg: string): never => {
      throw new ConfigError(`${where}: ${msg}`);
    };
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) bad('must be an object');
    const o = raw as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!KEYS.has(k)) bad(`unknown key ${k}`);
    const text = (k: string): string | undefined => {
      const v = o[k];
      if (v === undefined || v === null || v === '') return undefined;
      if (typeof v !== 'string') bad(`${k} must be a string`);
      return v as string;
    };
    const url = (k: string): string | undefined => {
      const v = text(k);
      if (v !== undefined && !URL.canParse(v)) bad(`${k} must be a URL`);
      return v;
    };
    const id = text('id') ?? bad('id is required');
    if (!ID.test(id)) bad('id must be letters, digits, ".", "_" or "-" (it is a path segment)');
    if (seen.has(id)) bad(`id ${id} is configured twice`);
    seen.add(id);
    const issuer = url('issuer') ?? bad(`issuer is required: without it the id_token of ${id} cannot be verified`);
    return {
      id,
      name: text('name') ?? id,
      icon: text('icon'),
      protocol: 'oidc' as const,
      clientId: text('clientid') ?? '',
      clientSecret: text('clientsecret'),
      scope: text('scope') ?? 'openid email profile',
      issuer,
      authorizationUrl: url('authurl'),
      tokenUrl: url('tokenurl'),
      source: 'config' as const,
    };
  });
}
