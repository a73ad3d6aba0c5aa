import type { Account } from '../accounts/accounts.js';

/**
 * The federation engine's public shapes. Every dialect's social login (ARC's `/auth/google`…,
 * simple's `/oidc/{id}`, Feathers' `/oauth/:provider`) runs on these; only the wire differs.
 */

/** How a provider is spoken to: OpenID Connect (discovery, PKCE, nonce, id_token) or plain OAuth2 plus a profile API. */
export type ProviderProtocol = 'oidc' | 'oauth2';

/** Which profile API a plain OAuth2 provider has (the shape of its user endpoint). */
export type ProfileApi = 'github' | 'facebook' | 'instagram';

/** One configured upstream, from the config file, the environment or an `oauth_providers` record. */
export interface ProviderConfig {
  /** Path segment and identities.provider value: `google`, `keycloak`, `github`, or any id of simple's `providers.oidc` / a Feathers slug. */
  id: string;
  /** Button text: "Continue with <name>". */
  name: string;
  icon?: string;
  protocol: ProviderProtocol;
  clientId: string;
  /** Absent for Apple (its client secret is a JWT signed from `apple`). */
  clientSecret?: string;
  scope: string;
  /** OpenID issuer; its discovery document supplies the endpoints and the JWKS. */
  issuer?: string;
  /** Overrides of the discovered (or, for OAuth2, the built-in) endpoints. */
  authorizationUrl?: string;
  tokenUrl?: string;
  userinfoUrl?: string;
  /** Plain OAuth2 only. */
  profileApi?: ProfileApi;
  /** Sign in with Apple: the client secret is an ES256 JWT signed with this key. */
  apple?: { teamId: string; keyId: string; privateKeyPem: string };
  /** A fixed redirect URI (ARC's `*_CALLBACK_URL`): the public form of the dialect callback whose path it ends with; other dialects pass their own. */
  callbackUrl?: string;
  /** Keycloak: where `POST /keycloak/logout` ends the upstream session. */
  endSessionUrl?: string;
  /** Where the provider came from; records can be changed at run time, config cannot. */
  source: 'config' | 'record';
}

/** What an upstream asserted about the person, after every check passed. */
export interface ExternalProfile {
  provider: string;
  /** The provider's stable user id (`sub`, GitHub's numeric id…), as a string. */
  subject: string;
  email?: string;
  /** Only true when the provider asserts it (`email_verified: true`, GitHub's verified primary email). */
  emailVerified: boolean;
  name?: string;
  givenName?: string;
  familyName?: string;
  username?: string;
  picture?: string;
}

/** The upstream's own tokens; kept sealed with the session (ARC's externalAuthToken/externalRefreshToken). */
export interface UpstreamTokens {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
}

export interface StartInput {
  provider: string;
  /** Our callback URL for this dialect (replaced by the provider's fixed `callbackUrl` when that one's path ends with this one's: ARC's `*_CALLBACK_URL`). */
  redirectUri: string;
  /** Dialect data handed back by `finish` (ARC's client_id, simple's continue URL, Feathers' app_url). Never sent upstream. */
  context: Record<string, string>;
  /**
   * Prepended to the random state, `URLSearchParams`-style (ARC sends `client_id=<id>` as the
   * original did, so `state` reads `client_id=web&s=<random>`).
   */
  statePrefix?: Record<string, string>;
  /** The client's address: each start keeps a state server-side, so starts are limited per address. */
  ip?: string | null;
}

export interface Started {
  /** The provider's authorization URL to redirect the browser to. */
  url: string;
  /** The `state` sent upstream; dialects that can bind it to the browser put it in a cookie. */
  state: string;
}

export interface FinishInput {
  provider: string;
  /** The callback's query (`code`, `state`, `error`…). */
  params: Record<string, string | undefined>;
  /** The state bound to this browser (simple's `oidcState` cookie), when the dialect has one. */
  browserState?: string;
}

export interface Finished {
  profile: ExternalProfile;
  tokens: UpstreamTokens;
  context: Record<string, string>;
}

export interface ResolveOptions {
  /** Whether an unknown person may get a new account (each dialect's sign-up setting). */
  signup: boolean;
  /** For the audit trail. */
  dialect: 'arc' | 'simple' | 'feathers';
  ip?: string | null;
}

export interface Resolved {
  account: Account;
  /** A new account was created for this identity. */
  created: boolean;
  /** The identity was linked to an existing account (by verified email) during this sign-in. */
  linked: boolean;
}

export interface LinkedIdentity {
  provider: string;
  subject: string;
  createdAt: number;
}

/**
 * Failure codes the engine raises as `CoreError` (core/errors.ts). Each dialect maps them:
 *
 * - `provider_unknown`: no such provider, or not configured (decision 13: a 4xx, never a 5xx);
 * - `state_invalid`: missing, unknown, expired, replayed or mismatched state;
 * - `upstream_failed`: the provider is down, slow (time-limited), or answered garbage;
 * - `upstream_rejected`: the provider refused the code, or its id_token failed a check
 *   (signature, issuer, audience, expiry, nonce);
 * - `signup_disabled`: an unknown person and sign-up is off;
 * - `identity_conflict`: the email belongs to another account and the provider does not assert it verified;
 * - `identity_taken`: linking an identity already linked to another account;
 * - `last_login_method`: unlinking the only way into an account without a password.
 */
export type FederationErrorCode =
  | 'provider_unknown'
  | 'state_invalid'
  | 'upstream_failed'
  | 'upstream_rejected'
  | 'signup_disabled'
  | 'identity_conflict'
  | 'identity_taken'
  | 'last_login_method';

/** The engine as `core.federation`. */
export interface Federation {
  /** Providers usable now (config plus records), for buttons and routing; secrets omitted. */
  providers(): Promise<Pick<ProviderConfig, 'id' | 'name' | 'icon' | 'protocol' | 'source'>[]>;
  /** Whether `id` is configured now. */
  has(id: string): Promise<boolean>;
  /** Begins a sign-in: keeps state, PKCE verifier and nonce server-side (single use, short-lived). */
  start(input: StartInput): Promise<Started>;
  /** Completes it: checks state, exchanges the code, verifies the id_token or fetches the profile. Writes nothing. */
  finish(input: FinishInput): Promise<Finished>;
  /** The account for a finished sign-in: by identity, else by verified email (linking), else new (sign-up). One transaction. */
  resolve(profile: ExternalProfile, opts: ResolveOptions): Promise<Resolved>;
  /** Links an identity to a signed-in account (`identity_taken` when it belongs to another). */
  link(accountId: number, profile: ExternalProfile): Promise<void>;
  /** Removes a link; refuses (`last_login_method`) when it is the only way into an account without a password. */
  unlink(accountId: number, provider: string, subject?: string): Promise<void>;
  identitiesOf(accountId: number): Promise<LinkedIdentity[]>;
  /** Seals upstream tokens for keeping with a session; `openTokens` reverses it. */
  sealTokens(tokens: UpstreamTokens): string;
  openTokens(sealed: string): UpstreamTokens | undefined;
  /** Ends the upstream session (Keycloak logout with the refresh token); fire-and-forget, errors logged. */
  endUpstream(provider: string, tokens: UpstreamTokens): Promise<void>;
  /** Keeps the upstream tokens, sealed, with a stored session (`sessions.upstream_enc`); `tokensOf` reads them back. */
  keepTokens(sessionId: number, tokens: UpstreamTokens): Promise<void>;
  tokensOf(sessionId: number): Promise<UpstreamTokens | undefined>;
}
