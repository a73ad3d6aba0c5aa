import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { ConfigError, type Config } from '../config.js';
import type { Store } from '../store/index.js';
import type { UserRow } from '../store/users.js';
import type { OauthTokenRow, OauthTokenType } from '../store/oauth-tokens.js';
import type { OauthClientFields, OauthClientRow } from '../store/oauth-clients.js';
import { safeEqual, sha256, type SecretBox } from './crypto.js';
import { CoreError } from './errors.js';
import { KeyError, signingKey, signJwt, type SigningKey } from './jwt.js';
import type { LoginThrottle } from './throttle.js';
import type { AuditLog } from './audit.js';
import { isBlocked } from './permissions.js';
import { ExpiringCache } from './expiring-cache.js';
import type { Accounts } from './accounts.js';

/**
 * An OAuth2 error as simple-auth reports it: `{"error","error_description"}`, HTTP 400.
 * `counted` errors are guesses (a wrong client secret, a wrong code) and count in the login
 * throttle, which keeps CoreError code `invalid_credentials` for those.
 */
export class OAuthError extends CoreError {
  constructor(
    public readonly error: string,
    public readonly description: string,
    counted = false,
  ) {
    super(counted ? 'invalid_credentials' : 'invalid_input', description);
  }
}
const oauthFail = (error: string, description: string, counted = false): never => {
  throw new OAuthError(error, description, counted);
};

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
const SETTING_KIND: Record<keyof OAuth2Settings, 'int' | 'bool' | 'string'> = {
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

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in?: number;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
}

export type Introspection =
  | { active: false }
  | { active: true; scope?: string; client_id: string; token_type: string; iat: number; exp: number; sub?: string; aud: string; iss?: string; email?: string; username?: string };

/** Scopes: lower-cased, split on whitespace, duplicates dropped. */
export const parseScopes = (s: string | undefined | null): string[] => [...new Set((s ?? '').toLowerCase().split(/\s+/).filter(Boolean))];
const containsAll = (have: string[], want: string[]) => want.every((w) => have.includes(w));
/** Set equality (simple-auth `Matches`). */
const matches = (a: string[], b: string[]) => containsAll(a, b) && containsAll(b, a);

const PKCE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const HUNDRED_YEARS_MS = 100 * 365.25 * 86_400_000;

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

/** Active introspections each server remembers (resource servers ask about the same tokens again and again). */
const INTROSPECTED_MAX = 8192;
/** How long a remembered introspection may be trusted where other nodes' writes cannot be seen. */
const INTROSPECTED_MAX_AGE_MS = 1000;

export interface OAuth2Deps {
  config: Config;
  store: Pick<Store, 'oauthTokens' | 'oauthClients' | 'tokensGeneration' | 'seesExternalWrites'>;
  box: SecretBox;
  throttle: LoginThrottle;
  audit: AuditLog;
  accounts: Pick<Accounts, 'byId' | 'assertLogin'>;
}

/** The OAuth2 authorization server of simple-auth (§6): clients, codes, tokens, introspection. */
export function oauth2Server(d: OAuth2Deps) {
  const tokens = d.store.oauthTokens;
  const clientsRepo = d.store.oauthClients;
  const introspected = new ExpiringCache<{ answer: Introspection; generation: number }>(INTROSPECTED_MAX);
  // Other nodes' revocations reach this one's cache within this time where the store cannot tell.
  const introspectedMaxAge = d.store.seesExternalWrites ? Infinity : INTROSPECTED_MAX_AGE_MS;
  const c = d.config;
  const defaults = (): OAuth2Settings => ({
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
  // Validated now, so that a bad client stops the server at startup.
  const configClients = Object.entries(c.oauth2Clients ?? {}).map(([id, raw]) => parseConfigClient(id, raw));

  const view = (r: OauthClientRow): OAuth2Client => {
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
      settings: { ...defaults(), ...overrides },
    };
  };

  const keys = new Map<number, { sealed: string; key: SigningKey }>();
  const oidcKey = (r: OauthClientRow): SigningKey | undefined => {
    if (!r.oidc_alg || !r.oidc_key_enc) return undefined;
    const hit = keys.get(r.id);
    if (hit && hit.sealed === r.oidc_key_enc) return hit.key;
    const key = signingKey(r.oidc_alg, d.box.open(r.oidc_key_enc));
    keys.set(r.id, { sealed: r.oidc_key_enc, key });
    return key;
  };

  const fieldsOf = (i: OAuth2ClientInput, source: string | null): OauthClientFields => {
    const s = { ...defaults(), ...(i.overrides ?? {}) };
    if (i.oidc) signingKey(i.oidc.signingMethod, i.oidc.signingKey);
    return {
      client_id: i.clientId,
      client_secret_enc: d.box.seal(i.secret),
      secret_enc: d.box.seal(randomBytes(32).toString('base64url')),
      name: i.name,
      author: i.author ?? '',
      author_url: i.authorUrl ?? '',
      redirect_uris: JSON.stringify(i.redirectUris),
      scopes: parseScopes(i.scopes.join(' ')).join(' '),
      oauth_settings: JSON.stringify(i.overrides ?? {}),
      oidc_alg: i.oidc ? i.oidc.signingMethod.toUpperCase() : null,
      oidc_key_enc: i.oidc ? d.box.seal(i.oidc.signingKey) : null,
      source,
      public_client: i.publicClient ? 1 : 0,
      access_token_expiration: s.tokenexpiresseconds,
      refresh_token_expiration: 2_147_483_647, // 'integer' column; refresh tokens live 100 years
      auth_code_expiration: s.codeexpiresseconds,
    };
  };

  let synced: Promise<void> | undefined;
  /** Writes the configuration's clients into `clients` (source 'config'); removes those no longer configured. */
  async function doSync(): Promise<void> {
    const now = Date.now();
    const seen = new Set<string>();
    for (const i of configClients) {
      seen.add(i.clientId);
      const row = await clientsRepo.anyByClientId(i.clientId);
      if (row && row.source !== 'config') throw new Error(`oauth2Clients.${i.clientId}: a client with this client_id already exists in the database (not from the configuration)`);
      if (row) await clientsRepo.update(row.id, fieldsOf(i, 'config'), now);
      else await clientsRepo.insert(fieldsOf(i, 'config'), now);
    }
    for (const row of await clientsRepo.listFromConfig()) {
      if (seen.has(row.client_id)) continue;
      await clientsRepo.softDelete(row.id, now, 'config');
      await tokens.revokeClient(row.id, now);
    }
  }
  const ready = (): Promise<void> => {
    synced ??= doSync().catch((e: unknown) => {
      synced = undefined;
      throw e;
    });
    return synced;
  };

  async function clientRow(clientId: string): Promise<OauthClientRow | undefined> {
    await ready();
    if (!clientId || clientId.length > 256) return undefined;
    return clientsRepo.byClientId(clientId);
  }

  const secretOk = (r: OauthClientRow, secret: string | undefined): boolean => safeEqual(secret ?? '', d.box.open(r.client_secret_enc));

  /** Checks a client secret under the throttle: wrong ones count per (client, address), so nobody locks the client out. */
  async function checkSecret(r: OauthClientRow, secret: string | undefined, ip: string | undefined, error: string, description: string): Promise<void> {
    if (r.public_client === 1) return;
    await d.throttle.client(`oauth2:${r.client_id}`, ip, async () => {
      if (!secretOk(r, secret)) oauthFail(error, description, true);
    });
  }

  /**
   * Throttle key for guessed codes and refresh tokens: per client when the client authenticated
   * (only its secret holder can guess), per client and IP for public clients (anyone can).
   */
  const guessKey = (client: OAuth2Client, ip: string | undefined) => (client.publicClient ? `oauth2-code:${client.clientId}:${ip ?? 'unknown'}` : `oauth2-code:${client.clientId}`);

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

  function idToken(r: OauthClientRow, client: OAuth2Client, user: UserRow, scopes: string[]): string | undefined {
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
  }

  const tokenOf = (row: OauthTokenRow): string | undefined => {
    if (!row.token_enc) return undefined;
    try {
      return d.box.open(row.token_enc);
    } catch {
      return undefined;
    }
  };

  /** simple-auth issueToken: id_token, reuse, revoke-old, new access (+refresh) token. */
  async function issueToken(r: OauthClientRow, client: OAuth2Client, user: UserRow, scopes: string[], ip: string | undefined): Promise<TokenResponse> {
    const s = client.settings;
    const id_token = idToken(r, client, user, scopes);
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
        if (id_token) out.id_token = id_token;
        if (scope) out.scope = scope;
        return out;
      }
    }
    if (s.revokeoldtokens) await tokens.revoke(client.id, user.id, now);
    const access = await create('access_token', client, user.id, scopes, s.tokenexpiresseconds * 1000, ip);
    const out: TokenResponse = { access_token: access.token, token_type: 'Bearer', expires_in: s.tokenexpiresseconds };
    if (s.issuerefreshtoken) out.refresh_token = (await create('refresh_token', client, user.id, scopes, HUNDRED_YEARS_MS, ip)).token;
    if (id_token) out.id_token = id_token;
    if (scope) out.scope = scope;
    return out;
  }

  const isInactive = (u: UserRow) => isBlocked(u) || u.deleted_at !== null;
  /**
   * A code or refresh token of this client, under the guess throttle: only values never issued
   * count as guesses, so a client replaying a used code is not locked out.
   */
  const issued = (value: string, type: 'code' | 'refresh_token', client: OAuth2Client, ip?: string) =>
    d.throttle.guess(guessKey(client, ip), ip, async () => {
      const t = value && value.length <= 256 ? await tokens.byHashAny(sha256(value)) : undefined;
      if (!t || t.type !== type || t.client_id !== client.id) return oauthFail('server_error', 'record not found', true);
      if (t.deleted_at !== null) return oauthFail('server_error', 'record not found');
      return t;
    });
  /** A lone access token (refresh and client_credentials grants): no refresh token, no id_token. */
  async function accessOnly(client: OAuth2Client, userId: number | null, scopes: string[], ip?: string): Promise<TokenResponse> {
    const s = client.settings;
    const access = await create('access_token', client, userId, scopes, s.tokenexpiresseconds * 1000, ip);
    const out: TokenResponse = { access_token: access.token, token_type: 'Bearer', expires_in: s.tokenexpiresseconds };
    if (scopes.length) out.scope = scopes.join(' ');
    return out;
  }
  /** The account of a token; undefined for a client's own (client_credentials) token. */
  const ownerOf = (row: OauthTokenRow): Promise<UserRow | undefined> => (row.user_id === null ? Promise.resolve(undefined) : d.accounts.byId(row.user_id));

  function remembered(token: string, now: number, generation: number): Introspection | undefined {
    const hit = introspected.get(token, now);
    return hit && hit.generation === generation ? hit.answer : undefined;
  }

  /** What token_info says of a token, from the database. */
  async function activeIntrospection(hash: string, now: number): Promise<Introspection> {
    const row = await tokens.activeByHash(hash, now);
    // Codes are a few digits and token_info needs no client authentication: answering for them
    // would let anyone find live codes by guessing (the original answered for every type).
    if (!row || row.type === 'code') return { active: false };
    const [r, user] = await Promise.all([clientsRepo.byId(row.client_id), ownerOf(row)]);
    if (!r) return { active: false };
    // A token of an account is dead with the account; a client's own token has none.
    if (row.user_id !== null && (!user || isInactive(user))) return { active: false };
    const client = view(r);
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
    /** Writes configured clients to the database; runs lazily on first use, callable at startup. */
    sync: ready,

    /** Client info (§6.2): undefined when unknown. */
    async clientInfo(clientId: string): Promise<OAuth2Client | undefined> {
      const r = await clientRow(clientId);
      return r ? view(r) : undefined;
    },

    async listClients(): Promise<OAuth2Client[]> {
      await ready();
      return (await clientsRepo.list()).map(view);
    },

    /** Creates a database (CLI) OAuth2 client. */
    async createClient(i: OAuth2ClientInput): Promise<OAuth2Client> {
      await ready();
      if (!i.clientId) throw new CoreError('invalid_input', 'client_id is required');
      if (await clientsRepo.anyByClientId(i.clientId)) throw new CoreError('taken', `client_id ${i.clientId} already exists`);
      for (const k of Object.keys(i.overrides ?? {})) {
        if (!(k in SETTING_KIND)) throw new CoreError('invalid_input', `unknown setting ${k}`);
      }
      try {
        return view(await clientsRepo.insert(fieldsOf(i, null), Date.now()));
      } catch (e) {
        if (e instanceof KeyError) throw new CoreError('invalid_input', e.message);
        throw e;
      }
    },

    /** Removes a database OAuth2 client and its tokens; configured clients are changed in the configuration. */
    async deleteClient(clientId: string, by = 'cli'): Promise<boolean> {
      const r = await clientRow(clientId);
      if (!r) return false;
      if (r.source === 'config') throw new CoreError('forbidden', `client ${clientId} is defined in the configuration; remove it there`);
      const now = Date.now();
      await clientsRepo.softDelete(r.id, now, by);
      await tokens.revokeClient(r.id, now);
      return true;
    },

    /** POST /auth/oauth2/grant (§6.3), after the caller is authenticated. */
    async grant(
      user: UserRow,
      req: { clientId: string; responseType: string; redirectUri: string; scope?: string; state?: string; auto?: boolean; codeChallenge?: string; codeChallengeMethod?: string },
      ip?: string,
    ): Promise<{ code: string; state?: string }> {
      if (req.responseType !== 'code') oauthFail('invalid_request', 'Expected response_type to be code');
      const r = await clientRow(req.clientId);
      if (!r) return oauthFail('invalid_client', `Unknown client id ${req.clientId}`);
      const client = view(r);
      if (!client.redirectUris.includes(req.redirectUri)) oauthFail('invalid_request', 'Unknown redirect URI');
      if (isInactive(user)) oauthFail('invalid_request', 'No session');
      const scopes = parseScopes(req.scope);
      if (!containsAll(client.scopes, scopes)) oauthFail('invalid_scope', 'Invalid scopes');
      const data: Record<string, unknown> = { redirect_uri: req.redirectUri };
      if (req.codeChallenge || req.codeChallengeMethod) {
        if ((req.codeChallengeMethod ?? '') !== 'S256') oauthFail('invalid_request', 'code_challenge_method must be S256');
        if (!req.codeChallenge || !PKCE_VERIFIER.test(req.codeChallenge)) oauthFail('invalid_request', 'Invalid code_challenge');
        data.code_challenge = req.codeChallenge;
        data.code_challenge_method = 'S256';
      } else if (client.publicClient) oauthFail('invalid_request', 'code_challenge is required for public clients');
      if (req.auto) {
        if (!client.settings.allowautogrant) oauthFail('invalid_request', 'Auto granting not allowed');
        const live = await tokens.forClientUser(client.id, user.id, Date.now());
        if (!live.some((t) => t.type === 'access_token' && matches(parseScopes(t.scope), scopes))) oauthFail('invalid_grant', 'no existing token');
      }
      const { token } = await create('code', client, user.id, scopes, client.settings.codeexpiresseconds * 1000, ip, data);
      return req.state ? { code: token, state: req.state } : { code: token };
    },

    /** POST /auth/oauth2/token (§6.4). */
    async token(
      req: {
        grantType: string;
        clientId: string;
        clientSecret?: string;
        code?: string;
        redirectUri?: string;
        codeVerifier?: string;
        username?: string;
        password?: string;
        totp?: string;
        scope?: string;
        refreshToken?: string;
      },
      ip?: string,
    ): Promise<TokenResponse> {
      const r = await clientRow(req.clientId);
      if (!r) return oauthFail('invalid_client', 'Invalid client id');
      const client = view(r);
      const now = Date.now();
      switch (req.grantType) {
        case 'authorization_code': {
          if (!client.redirectUris.includes(req.redirectUri ?? '')) oauthFail('unauthorized_client', 'Invalid redirect_uri');
          await checkSecret(r, req.clientSecret, ip, 'server_error', 'invalid secret');
          const row = await issued(req.code ?? '', 'code', client, ip);
          if (Number(row.expires_at) <= now) oauthFail('server_error', 'expired token');
          if (!(await tokens.consume(row.id, now))) oauthFail('server_error', 'record not found');
          let data: { redirect_uri?: string; code_challenge?: string } = {};
          try {
            data = row.data ? (JSON.parse(row.data) as typeof data) : {};
          } catch {
            data = {};
          }
          if (data.redirect_uri !== undefined && data.redirect_uri !== req.redirectUri) oauthFail('invalid_grant', 'redirect_uri does not match the authorization request');
          if (data.code_challenge) {
            const v = req.codeVerifier ?? '';
            if (!PKCE_VERIFIER.test(v) || sha256(v) !== data.code_challenge) oauthFail('invalid_grant', 'Invalid code_verifier');
          } else if (client.publicClient) oauthFail('invalid_grant', 'code_verifier required');
          const user = await ownerOf(row);
          if (!user || isInactive(user)) return oauthFail('server_error', 'inactive account');
          return issueToken(r, client, user, parseScopes(row.scope), ip);
        }
        case 'password': {
          const scopes = parseScopes(req.scope);
          if (!containsAll(client.scopes, scopes)) oauthFail('invalid_scope', 'Invald scopes');
          if (!client.settings.allowcredentials) oauthFail('invalid_request', 'trading credentials for token is disabled');
          await checkSecret(r, req.clientSecret, ip, 'invalid_request', 'invalid secret');
          let user: UserRow;
          try {
            user = await d.accounts.assertLogin({ login: req.username ?? '', password: req.password ?? '', totp: req.totp ?? '', ip });
          } catch (e) {
            if (e instanceof CoreError && e.code !== 'locked') return oauthFail('invalid_request', reasonOf(e));
            throw e;
          }
          return issueToken(r, client, user, scopes, ip);
        }
        case 'refresh_token': {
          await checkSecret(r, req.clientSecret, ip, 'server_error', 'invalid secret');
          const row = await issued(req.refreshToken ?? '', 'refresh_token', client, ip);
          if (Number(row.expires_at) <= now) oauthFail('server_error', 'expired token');
          const user = await ownerOf(row);
          if (!user || isInactive(user)) return oauthFail('server_error', 'inactive account');
          if (client.settings.revokeoldtokens) await tokens.revoke(client.id, user.id, now, { keepRefresh: true });
          return accessOnly(client, user.id, parseScopes(row.scope), ip);
        }
        case 'client_credentials': {
          // An addition (RFC 6749 §4.4): the client's own token, no account, confidential clients only.
          if (client.publicClient || !d.box.open(r.client_secret_enc)) oauthFail('unauthorized_client', 'client_credentials is for confidential clients');
          if (!client.settings.allowclientcredentials) oauthFail('unauthorized_client', 'client_credentials is not enabled for this client');
          await checkSecret(r, req.clientSecret, ip, 'server_error', 'invalid secret');
          const scopes = parseScopes(req.scope);
          if (!containsAll(client.scopes, scopes)) oauthFail('invalid_scope', 'Invalid scopes');
          return accessOnly(client, null, scopes, ip);
        }
        default:
          return oauthFail('unsupported_grant_type', `Unknown grant type: ${req.grantType}`);
      }
    },

    /**
     * POST /auth/oauth2/token_info (§6.5): any token type, by value. An active answer is
     * remembered until the token expires or the store's token generation moves (a token, client
     * or account written), so a repeat costs a map lookup instead of three queries.
     */
    async introspect(token: string): Promise<Introspection> {
      await ready();
      if (!token || token.length > 256) return { active: false };
      const now = Date.now();
      // Read before the queries: a write that lands while they run leaves a stale generation.
      const generation = d.store.tokensGeneration.current();
      const hit = remembered(token, now, generation);
      if (hit) return hit;
      const answer = await activeIntrospection(sha256(token), now);
      if (answer.active) introspected.set(token, { answer, generation }, Math.min(Number(answer.exp) * 1000, now + introspectedMaxAge));
      else introspected.delete(token);
      return answer;
    },

    /** The remembered active answer for a token, if still true: `introspect` without a promise. */
    rememberedIntrospection: (token: string): Introspection | undefined => remembered(token, Date.now(), d.store.tokensGeneration.current()),

    /** The account's live tokens for every client (§6.6). */
    async listTokens(userId: number): Promise<{ client_id: string; client_name: string; short_token: string; type: string; created: string; expires: string }[]> {
      await ready();
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

    /** DELETE /auth/oauth2/token (§6.7): one token or all of the client+account; unknown client is a no-op. */
    async revoke(userId: number, clientId: string, token?: string): Promise<void> {
      const r = await clientRow(clientId);
      if (!r) return;
      await tokens.revoke(r.id, userId, Date.now(), token ? { hash: sha256(token) } : {});
    },
  };
}
export type OAuth2Server = ReturnType<typeof oauth2Server>;

/** The simple-auth reason code of a failed AssertLogin. */
function reasonOf(e: CoreError): string {
  switch (e.code) {
    case 'totp_missing':
      return 'totp-missing';
    case 'totp_failed':
      return 'totp-failed';
    case 'stipulations':
      return 'unsatisfied-stipulations';
    case 'user_inactive':
      return 'inactive-account';
    default:
      return 'invalid-credentials';
  }
}
