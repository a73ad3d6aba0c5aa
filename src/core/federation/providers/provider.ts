import type { ExternalProfile, ProviderConfig, UpstreamTokens } from '../types.js';

/** Reads a protected resource of the provider (time-limited; https only, loopback aside). */
export type ProfileFetch = (url: string, accessToken: string, headers?: Record<string, string>) => Promise<unknown>;

/**
 * A provider as the engine uses it: the public `ProviderConfig` plus how to speak to it. Each
 * built-in provider's file makes one from the settings (configured or not: an
 * `oauth_providers` record may supply the client id later).
 */
export interface Provider extends ProviderConfig {
  /** Plain OAuth2: whether to send PKCE (OpenID providers: when discovery says S256 is supported). */
  pkce?: boolean;
  /** Extra parameters of the authorization request (Google's access_type, Apple's response_mode). */
  authParams?: Record<string, string>;
  /** Plain OAuth2: GitHub's emails endpoint. */
  emailsUrl?: string;
  /**
   * Plain OAuth2: reads the person from the profile API. OpenID providers have none: their
   * profile comes from the verified id_token (and userinfo).
   */
  profile?: (fetch: ProfileFetch, tokens: UpstreamTokens, p: Provider) => Promise<Omit<ExternalProfile, 'provider'>>;
  /** Apple documents `email_verified` as the string "true" as well as the boolean. */
  emailVerifiedString?: boolean;
  /** Instagram's token endpoint omits `token_type` (RFC 6749 §5.1 requires it). */
  tokenTypeMissing?: boolean;
}

/** What a settings-made provider still needs before it can be used. */
export function usable(p: Provider): boolean {
  if (!p.clientId) return false;
  if (p.id === 'apple' || p.apple) return p.apple !== undefined && !!p.apple.privateKeyPem && !!p.apple.teamId && !!p.apple.keyId;
  return !!p.clientSecret;
}

/** A string field of a JSON object, or undefined. */
export const str = (o: unknown, k: string): string | undefined => {
  if (!o || typeof o !== 'object') return undefined;
  const v = (o as Record<string, unknown>)[k];
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
};

/** The Graph APIs answer only the fields asked for: a profile URL configured without `fields` gets ours. */
export function withFields(url: string, fields: string): string {
  if (!URL.canParse(url)) return url;
  const u = new URL(url);
  if (!u.searchParams.has('fields')) u.searchParams.set('fields', fields);
  return u.href;
}
