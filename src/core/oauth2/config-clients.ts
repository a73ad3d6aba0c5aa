import { ConfigError, type Config } from '../../config/index.js';
import type { Store } from '../../store/index.js';
import type { SecretBox } from '../util/crypto.js';
import { signingKey } from '../tokens/jwt.js';
import { clientFields, SETTING_KIND, type OAuth2ClientInput, type OAuth2Settings } from './clients.js';
import { parseScopes } from './scopes.js';

/** Validates one client of the configuration file (simple-auth's strict YAML decode); throws with a clear message. */
export function parseConfigClient(clientId: string, raw: unknown): OAuth2ClientInput {
  const where = `oauth2Clients.${clientId}`;
  const bad = (msg: string): never => {
    throw new ConfigError(`${where}: ${msg}`);
  };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) bad('must be an object');
  const o = raw as Record<string, unknown>;
  const str = (k: string, def = ''): string => {
    const v = o[k];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'string') bad(`${k} must be a string`);
    return v as string;
  };
  const strList = (k: string): string[] => {
    const v = o[k];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) bad(`${k} must be a list of strings`);
    return v as string[];
  };
  const overrides: Partial<OAuth2Settings> = {};
  const known = new Set(['secret', 'name', 'author', 'authorurl', 'redirecturi', 'redirecturis', 'scopes', 'public', 'oidc', ...Object.keys(SETTING_KIND)]);
  for (const k of Object.keys(o)) if (!known.has(k)) bad(`unknown key ${k}`);
  for (const [k, kind] of Object.entries(SETTING_KIND) as [keyof OAuth2Settings, string][]) {
    const v = o[k];
    if (v === undefined) continue;
    if (kind === 'int' && (typeof v !== 'number' || !Number.isInteger(v) || v <= 0 || (k === 'codelength' && v > 64))) bad(`${k} must be a positive whole number`);
    if (kind === 'bool' && typeof v !== 'boolean') bad(`${k} must be true or false`);
    if (kind === 'string' && typeof v !== 'string') bad(`${k} must be a string`);
    (overrides as Record<string, unknown>)[k] = v;
  }
  if (o.public !== undefined && typeof o.public !== 'boolean') bad('public must be true or false');
  let oidc: OAuth2ClientInput['oidc'];
  if (o.oidc !== undefined && o.oidc !== null) {
    const d = o.oidc as Record<string, unknown>;
    if (typeof d !== 'object' || Array.isArray(d)) bad('oidc must be an object');
    for (const k of Object.keys(d)) if (k !== 'signingmethod' && k !== 'signingkey') bad(`unknown key oidc.${k}`);
    if (typeof d.signingmethod !== 'string' || typeof d.signingkey !== 'string' || !d.signingkey) bad('oidc needs signingmethod and signingkey');
    oidc = { signingMethod: d.signingmethod as string, signingKey: d.signingkey as string };
    try {
      signingKey(oidc.signingMethod, oidc.signingKey);
    } catch (e) {
      bad(`oidc: ${(e as Error).message}`);
    }
  }
  const redirectUris = [...new Set([str('redirecturi'), ...strList('redirecturis')].filter(Boolean))];
  return {
    clientId,
    secret: str('secret'),
    name: str('name'),
    author: str('author'),
    authorUrl: str('authorurl'),
    redirectUris,
    scopes: parseScopes(strList('scopes').join(' ')),
    publicClient: o.public === true,
    oidc,
    overrides,
  };
}

export interface ConfigClientSyncDeps {
  config: Config;
  store: Pick<Store, 'oauthClients' | 'oauthTokens'>;
  box: SecretBox;
}

/**
 * The configuration's clients, validated at once so that a bad client stops the server at
 * startup. Returns `ready`: the first call writes them into `clients` (source 'config') and
 * removes those no longer configured; later calls share that write, and a failed one is tried
 * again by the next.
 */
export function configClientSync(d: ConfigClientSyncDeps): () => Promise<void> {
  const clientsRepo = d.store.oauthClients;
  const configured = Object.entries(d.config.oauth2Clients ?? {}).map(([id, raw]) => parseConfigClient(id, raw));

  async function doSync(): Promise<void> {
    const now = Date.now();
    const seen = new Set<string>();
    for (const i of configured) {
      seen.add(i.clientId);
      const row = await clientsRepo.anyByClientId(i.clientId);
      if (row && row.source !== 'config') throw new Error(`oauth2Clients.${i.clientId}: a client with this client_id already exists in the database (not from the configuration)`);
      if (row) await clientsRepo.update(row.id, clientFields(i, 'config', d.config, d.box), now);
      else await clientsRepo.insert(clientFields(i, 'config', d.config, d.box), now);
    }
    for (const row of await clientsRepo.listFromConfig()) {
      if (seen.has(row.client_id)) continue;
      await clientsRepo.softDelete(row.id, now, 'config');
      await d.store.oauthTokens.revokeClient(row.id, now);
    }
  }

  let synced: Promise<void> | undefined;
  return (): Promise<void> => {
    synced ??= doSync().catch((e: unknown) => {
      synced = undefined;
      throw e;
    });
    return synced;
  };
}
