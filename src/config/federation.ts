import type { Config } from './index.js';
import type { Spec } from './settings.js';

/**
 * Sign-in through external providers (docs/federation.md). The environment variables are the
 * originals' (ARC's `GOOGLE_AUTH_*`, `FACEBOOK_AUTH_*`, `INSTAGRAM_AUTH_*`, `APPLE_AUTH_*`,
 * `KEYCLOAK_*`; simple-auth's `SA_PROVIDERS_OIDC`) plus ours: issuers and endpoint overrides,
 * so that tests and self-hosted providers can stand in for the real ones.
 */
export interface FederationConfig {
  googleAuthClientId: string;
  googleAuthClientSecret: string;
  googleAuthCallbackUrl: string | undefined;
  googleAuthIssuer: string;
  googleAuthUrl: string | undefined;
  googleAuthTokenUrl: string | undefined;

  appleAuthClientId: string;
  appleAuthTeamId: string;
  appleAuthKeyId: string;
  /** Path of the `.p8` PEM key Apple issued (ARC's setting). */
  appleAuthPrivateKeyLocation: string | undefined;
  /** The same key inline (PEM text), for environments without files. */
  appleAuthPrivateKey: string | undefined;
  appleAuthCallbackUrl: string | undefined;
  appleAuthIssuer: string;

  keycloakHost: string | undefined;
  keycloakRealm: string | undefined;
  /** The realm's issuer; default `${keycloakHost}/auth/realms/${keycloakRealm}` (Keycloak before 17 had `/auth`). */
  keycloakIssuer: string | undefined;
  keycloakClientId: string;
  keycloakClientSecret: string;
  keycloakCallbackUrl: string | undefined;

  facebookAuthClientId: string;
  facebookAuthClientSecret: string;
  facebookAuthCallbackUrl: string | undefined;
  facebookAuthUrl: string;
  facebookAuthTokenUrl: string;
  facebookAuthProfileUrl: string;

  instagramAuthClientId: string;
  instagramAuthClientSecret: string;
  instagramAuthCallbackUrl: string | undefined;
  instagramAuthUrl: string;
  instagramAuthTokenUrl: string;
  instagramAuthProfileUrl: string;

  githubAuthClientId: string;
  githubAuthClientSecret: string;
  githubAuthCallbackUrl: string | undefined;
  githubAuthUrl: string;
  githubAuthTokenUrl: string;
  githubAuthProfileUrl: string;
  githubAuthEmailsUrl: string;

  /**
   * Generic OpenID providers in simple-auth's `providers.oidc` shape
   * (`{id, name, icon, clientid, clientsecret, authurl, tokenurl}`) plus `issuer` (required) and
   * `scope`; checked when the server starts (core/federation/providers/generic.ts).
   */
  oidcProviders: unknown[];
  /** Link a sign-in to the account with the same email when the provider asserts it verified. */
  federationLinkVerifiedEmail: boolean;
  /** Time limit of each call to a provider (discovery, token, keys, profile), in milliseconds. */
  federationTimeoutMs: number;
  /** How long a started sign-in may take before its callback, in seconds. */
  federationStateSeconds: number;
}

const FACEBOOK_GRAPH = 'https://graph.facebook.com/v21.0';

export const FEDERATION_SETTINGS: { [K in keyof FederationConfig]: Spec<Config> } = {
  googleAuthClientId: { env: 'GOOGLE_AUTH_CLIENT_ID', def: () => '', kind: 'string' },
  googleAuthClientSecret: { env: 'GOOGLE_AUTH_CLIENT_SECRET', def: () => '', kind: 'string' },
  googleAuthCallbackUrl: { env: 'GOOGLE_AUTH_CALLBACK_URL', def: () => undefined, kind: 'optional' },
  googleAuthIssuer: { env: 'GOOGLE_AUTH_ISSUER', def: () => 'https://accounts.google.com', kind: 'string' },
  googleAuthUrl: { env: 'GOOGLE_AUTH_URL', def: () => undefined, kind: 'optional' },
  googleAuthTokenUrl: { env: 'GOOGLE_AUTH_TOKEN_URL', def: () => undefined, kind: 'optional' },

  appleAuthClientId: { env: 'APPLE_AUTH_CLIENT_ID', def: () => '', kind: 'string' },
  appleAuthTeamId: { env: 'APPLE_AUTH_TEAM_ID', def: () => '', kind: 'string' },
  appleAuthKeyId: { env: 'APPLE_AUTH_KEY_ID', def: () => '', kind: 'string' },
  appleAuthPrivateKeyLocation: { env: 'APPLE_AUTH_PRIVATE_KEY_LOCATION', def: () => undefined, kind: 'optional' },
  appleAuthPrivateKey: { env: 'APPLE_AUTH_PRIVATE_KEY', def: () => undefined, kind: 'optional' },
  appleAuthCallbackUrl: { env: 'APPLE_AUTH_CALLBACK_URL', def: () => undefined, kind: 'optional' },
  appleAuthIssuer: { env: 'APPLE_AUTH_ISSUER', def: () => 'https://appleid.apple.com', kind: 'string' },

  keycloakHost: { env: 'KEYCLOAK_HOST', def: () => undefined, kind: 'optional' },
  keycloakRealm: { env: 'KEYCLOAK_REALM', def: () => undefined, kind: 'optional' },
  keycloakIssuer: { env: 'KEYCLOAK_ISSUER', def: () => undefined, kind: 'optional' },
  keycloakClientId: { env: 'KEYCLOAK_CLIENT_ID', def: () => '', kind: 'string' },
  keycloakClientSecret: { env: 'KEYCLOAK_CLIENT_SECRET', def: () => '', kind: 'string' },
  keycloakCallbackUrl: { env: 'KEYCLOAK_CALLBACK_URL', def: () => undefined, kind: 'optional' },

  facebookAuthClientId: { env: 'FACEBOOK_AUTH_CLIENT_ID', def: () => '', kind: 'string' },
  facebookAuthClientSecret: { env: 'FACEBOOK_AUTH_CLIENT_SECRET', def: () => '', kind: 'string' },
  facebookAuthCallbackUrl: { env: 'FACEBOOK_AUTH_CALLBACK_URL', def: () => undefined, kind: 'optional' },
  facebookAuthUrl: { env: 'FACEBOOK_AUTH_URL', def: () => 'https://www.facebook.com/v21.0/dialog/oauth', kind: 'string' },
  facebookAuthTokenUrl: { env: 'FACEBOOK_AUTH_TOKEN_URL', def: () => `${FACEBOOK_GRAPH}/oauth/access_token`, kind: 'string' },
  facebookAuthProfileUrl: { env: 'FACEBOOK_AUTH_PROFILE_URL', def: () => `${FACEBOOK_GRAPH}/me`, kind: 'string' },

  instagramAuthClientId: { env: 'INSTAGRAM_AUTH_CLIENT_ID', def: () => '', kind: 'string' },
  instagramAuthClientSecret: { env: 'INSTAGRAM_AUTH_CLIENT_SECRET', def: () => '', kind: 'string' },
  instagramAuthCallbackUrl: { env: 'INSTAGRAM_AUTH_CALLBACK_URL', def: () => undefined, kind: 'optional' },
  instagramAuthUrl: { env: 'INSTAGRAM_AUTH_URL', def: () => 'https://www.instagram.com/oauth/authorize', kind: 'string' },
  instagramAuthTokenUrl: { env: 'INSTAGRAM_AUTH_TOKEN_URL', def: () => 'https://api.instagram.com/oauth/access_token', kind: 'string' },
  instagramAuthProfileUrl: { env: 'INSTAGRAM_AUTH_PROFILE_URL', def: () => 'https://graph.instagram.com/me', kind: 'string' },

  githubAuthClientId: { env: 'GITHUB_AUTH_CLIENT_ID', def: () => '', kind: 'string' },
  githubAuthClientSecret: { env: 'GITHUB_AUTH_CLIENT_SECRET', def: () => '', kind: 'string' },
  githubAuthCallbackUrl: { env: 'GITHUB_AUTH_CALLBACK_URL', def: () => undefined, kind: 'optional' },
  githubAuthUrl: { env: 'GITHUB_AUTH_URL', def: () => 'https://github.com/login/oauth/authorize', kind: 'string' },
  githubAuthTokenUrl: { env: 'GITHUB_AUTH_TOKEN_URL', def: () => 'https://github.com/login/oauth/access_token', kind: 'string' },
  githubAuthProfileUrl: { env: 'GITHUB_AUTH_PROFILE_URL', def: () => 'https://api.github.com/user', kind: 'string' },
  githubAuthEmailsUrl: { env: 'GITHUB_AUTH_EMAILS_URL', def: () => 'https://api.github.com/user/emails', kind: 'string' },

  oidcProviders: { env: 'SA_PROVIDERS_OIDC', def: () => [], kind: 'json-list' },
  federationLinkVerifiedEmail: { env: 'FEDERATION_LINK_VERIFIED_EMAIL', def: () => true, kind: 'boolean' },
  federationTimeoutMs: { env: 'FEDERATION_TIMEOUT_MS', def: () => 10_000, kind: 'number' },
  federationStateSeconds: { env: 'FEDERATION_STATE_SECONDS', def: () => 600, kind: 'number' },
};
