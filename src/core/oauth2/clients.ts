import { randomBytes } from 'node:crypto';
import type { Config } from '../../config/index.js';
import type { Store } from '../../store/index.js';
import type { OauthClientFields, OauthClientRow } from '../../store/oauth-clients.js';
import { safeEqual, type SecretBox } from '../util/crypto.js';
import { CoreError } from '../errors.js';
import { KeyError, signingKey } from '../tokens/jwt.js';
import type { LoginThrottle } from '../throttle.js';
import { oauthFail } from './errors.js';
import { parseScopes } from './scopes.js';

/** The per-client settings (simple-auth `authenticators.oauth2.settings`). */
export interface OAuth2Settings {
  codeexpiresseconds: number;
  tokenexpiresseconds: number;
  codelength: number;
  allowautogrant: boolean;
  reusetoken: boolean;
  allowcredentials: boolean;
  /** Gatehouse's addition: the client_credentials grant, off unless a client opts in. */
  allowclientcredentials: boolean;
  issuer: string;
  issuerefreshtoken: boolean;
  revokeoldtokens: boolean;
}
export const SETTING_KIND: Record<keyof OAuth2Settings, 'int' | 'bool' | 'string'> = {
  codeexpiresseconds: 'int',
  tokenexpiresseconds: 'int',
  codelength: 'int',
  allowautogrant: 'bool',
  reusetoken: 'bool',
  allowcredentials: 'bool',
  allowclientcredentials: 'bool',
  issuer: 'string',
  issuerefreshtoken: 'bool',
  revokeoldtokens: 'bool',
};

export interface OAuth2Client {
  id: number;
  clientId: string;
  name: string;
  author: string;
  authorUrl: string;
  redirectUris: string[];
  scopes: string[];
  publicClient: boolean;
  source: string | null;
  oidcAlg: string | null;
  overrides: Partial<OAuth2Settings>;
  settings: OAuth2Settings;
}

/** What creates an OAuth2 client (config file or CLI). */
export interface OAuth2ClientInput {
  clientId: string;
  secret: string;
  name: string;
  author?: string;
  authorUrl?: string;
  redirectUris: string[];
  scopes: string[];
  publicClient?: boolean;
  oidc?: { signingMethod: string; signingKey: string };
  overrides?: Partial<OAuth2Settings>;
}

/** What may change of a database OAuth2 client (the admin console's edit); `secret` replaces the client secret. */
export type OAuth2ClientChange = Partial<Pick<OAuth2ClientInput, 'secret' | 'name' | 'author' | 'authorUrl' | 'redirectUris' | 'scopes' | 'publicClient'>>;

/** Read from the configuration at each use, so that a client without overrides follows it. */
const defaultSettings = (c: Config): OAuth2Settings => ({
  codeexpiresseconds: c.oauth2CodeExpiresSeconds,
  tokenexpiresseconds: c.oauth2TokenExpiresSeconds,
  codelength: c.oauth2CodeLength,
  allowautogrant: c.oauth2AllowAutoGrant,
  reusetoken: c.oauth2ReuseToken,
  allowcredentials: c.oauth2AllowCredentials,
  allowclientcredentials: c.oauth2AllowClientCredentials,
  issuer: c.oauth2Issuer,
  issuerefreshtoken: c.oauth2IssueRefreshToken,
  revokeoldtokens: c.oauth2RevokeOldTokens,
});

/** A stored client with its effective settings; unreadable JSON columns count as empty. */
export function clientView(r: OauthClientRow, config: Config): OAuth2Client {
  let overrides: Partial<OAuth2Settings> = {};
  try {
    overrides = r.oauth_settings ? (JSON.parse(r.oauth_settings) as Partial<OAuth2Settings>) : {};
  } catch {
    overrides = {};
  }
  let redirectUris: string[] = [];
  try {
    redirectUris = r.redirect_uris ? (JSON.parse(r.redirect_uris) as string[]) : [];
  } catch {
    redirectUris = [];
  }
  return {
    id: r.id,
    clientId: r.client_id,
    name: r.name ?? '',
    author: r.author ?? '',
    authorUrl: r.author_url ?? '',
    redirectUris,
    scopes: parseScopes(r.scopes),
    publicClient: r.public_client === 1,
    source: r.source,
    oidcAlg: r.oidc_alg,
    overrides,
    settings: { ...defaultSettings(config), ...overrides },
  };
}

/** The columns of a client; throws `KeyError` for an unusable OIDC key. */
export function clientFields(i: OAuth2ClientInput, source: string | null, config: Config, box: SecretBox): OauthClientFields {
  const s = { ...defaultSettings(config), ...(i.overrides ?? {}) };
  if (i.oidc) signingKey(i.oidc.signingMethod, i.oidc.signingKey);
  return {
    client_id: i.clientId,
    client_secret_enc: box.seal(i.secret),
    secret_enc: box.seal(randomBytes(32).toString('base64url')),
    name: i.name,
    author: i.author ?? '',
    author_url: i.authorUrl ?? '',
    redirect_uris: JSON.stringify(i.redirectUris),
    scopes: parseScopes(i.scopes.join(' ')).join(' '),
    oauth_settings: JSON.stringify(i.overrides ?? {}),
    oidc_alg: i.oidc ? i.oidc.signingMethod.toUpperCase() : null,
    oidc_key_enc: i.oidc ? box.seal(i.oidc.signingKey) : null,
    source,
    public_client: i.publicClient ? 1 : 0,
    access_token_expiration: s.tokenexpiresseconds,
    refresh_token_expiration: 2_147_483_647, // 'integer' column; refresh tokens live 100 years
    auth_code_expiration: s.codeexpiresseconds,
  };
}

export interface ClientRegistryDeps {
  config: Config;
  store: Pick<Store, 'oauthClients' | 'oauthTokens'>;
  box: SecretBox;
  throttle: Pick<LoginThrottle, 'client'>;
  /** Settles once the configuration's clients are in the database; every read waits for it. */
  ready: () => Promise<void>;
}

/** The OAuth2 clients: lookup, the CLI's create, list and delete, the console's edit, and client authentication. */
export function clientRegistry(d: ClientRegistryDeps) {
  const repo = d.store.oauthClients;
  const view = (r: OauthClientRow): OAuth2Client => clientView(r, d.config);

  async function row(clientId: string): Promise<OauthClientRow | undefined> {
    await d.ready();
    if (!clientId || clientId.length > 256) return undefined;
    return repo.byClientId(clientId);
  }

  const secretOk = (r: OauthClientRow, secret: string | undefined): boolean => safeEqual(secret ?? '', d.box.open(r.client_secret_enc));

  return {
    view,
    row,

    /** Client info (§6.2): undefined when unknown. */
    async info(clientId: string): Promise<OAuth2Client | undefined> {
      const r = await row(clientId);
      return r ? view(r) : undefined;
    },

    async list(): Promise<OAuth2Client[]> {
      await d.ready();
      return (await repo.list()).map(view);
    },

    /** Creates a database (CLI) OAuth2 client. */
    async create(i: OAuth2ClientInput): Promise<OAuth2Client> {
      await d.ready();
      if (!i.clientId) throw new CoreError('invalid_input', 'client_id is required');
      if (await repo.anyByClientId(i.clientId)) throw new CoreError('taken', `client_id ${i.clientId} already exists`);
      for (const k of Object.keys(i.overrides ?? {})) {
        if (!(k in SETTING_KIND)) throw new CoreError('invalid_input', `unknown setting ${k}`);
      }
      try {
        return view(await repo.insert(clientFields(i, null, d.config, d.box), Date.now()));
      } catch (e) {
        if (e instanceof KeyError) throw new CoreError('invalid_input', e.message);
        throw e;
      }
    },

    /**
     * Changes a database OAuth2 client; configured clients are changed in the configuration.
     * The token endpoint reads the client's row on every request (no cache holds a secret), so a
     * replaced secret is refused from the next request on, on every node; the write also moves
     * the token generation, so remembered introspections are asked again.
     */
    async update(clientId: string, c: OAuth2ClientChange): Promise<OAuth2Client | undefined> {
      const r = await row(clientId);
      if (!r) return undefined;
      if (r.source === 'config') throw new CoreError('forbidden', `client ${clientId} is defined in the configuration; change it there`);
      if (c.redirectUris && !c.redirectUris.length) throw new CoreError('invalid_input', 'at least one redirect URI is required');
      const f: Partial<OauthClientFields> = {};
      if (c.secret !== undefined) f.client_secret_enc = d.box.seal(c.secret);
      if (c.name !== undefined) f.name = c.name;
      if (c.author !== undefined) f.author = c.author;
      if (c.authorUrl !== undefined) f.author_url = c.authorUrl;
      if (c.redirectUris !== undefined) f.redirect_uris = JSON.stringify(c.redirectUris);
      if (c.scopes !== undefined) f.scopes = parseScopes(c.scopes.join(' ')).join(' ');
      if (c.publicClient !== undefined) f.public_client = c.publicClient ? 1 : 0;
      if (Object.keys(f).length) await repo.update(r.id, f, Date.now());
      const after = await repo.byId(r.id);
      return after ? view(after) : undefined;
    },

    /** Removes a database OAuth2 client and its tokens; configured clients are changed in the configuration. */
    async remove(clientId: string, by: string): Promise<boolean> {
      const r = await row(clientId);
      if (!r) return false;
      if (r.source === 'config') throw new CoreError('forbidden', `client ${clientId} is defined in the configuration; remove it there`);
      const now = Date.now();
      await repo.softDelete(r.id, now, by);
      await d.store.oauthTokens.revokeClient(r.id, now);
      return true;
    },

    /** Checks a client secret under the throttle: wrong ones count per (client, address), so nobody locks the client out. */
    async checkSecret(r: OauthClientRow, secret: string | undefined, ip: string | undefined, error: string, description: string): Promise<void> {
      if (r.public_client === 1) return;
      await d.throttle.client(`oauth2:${r.client_id}`, ip, async () => {
        if (!secretOk(r, secret)) oauthFail(error, description, true);
      });
    },

    /** Whether the client holds a secret at all (a public client or one configured with none does not). */
    hasSecret: (r: OauthClientRow): boolean => Boolean(d.box.open(r.client_secret_enc)),
  };
}
export type ClientRegistry = ReturnType<typeof clientRegistry>;
