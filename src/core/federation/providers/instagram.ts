import type { Config } from '../../../config/index.js';
import { str, withFields, type Provider, type ProfileFetch } from './provider.js';
import type { ExternalProfile, UpstreamTokens } from '../types.js';

/**
 * Instagram: plain OAuth2 without PKCE, and graph.instagram.com `/me` (id and username; no
 * email, so an Instagram sign-in never links by email). The original's verifier was never
 * bound, so every Instagram callback failed; this one works.
 */
export function instagram(c: Config): Provider {
  return {
    id: 'instagram',
    name: 'Instagram',
    icon: 'instagram',
    protocol: 'oauth2',
    profileApi: 'instagram',
    clientId: c.instagramAuthClientId,
    clientSecret: c.instagramAuthClientSecret || undefined,
    scope: 'instagram_business_basic',
    authorizationUrl: c.instagramAuthUrl,
    tokenUrl: c.instagramAuthTokenUrl,
    userinfoUrl: c.instagramAuthProfileUrl,
    callbackUrl: c.instagramAuthCallbackUrl,
    tokenTypeMissing: true,
    profile: instagramProfile,
    source: 'config',
  };
}

async function instagramProfile(fetch: ProfileFetch, tokens: UpstreamTokens, p: Provider): Promise<Omit<ExternalProfile, 'provider'>> {
  // The token answer's user_id is a JSON number too large for a double: the id comes from here.
  const me = await fetch(withFields(p.userinfoUrl ?? '', 'id,username'), tokens.accessToken);
  const subject = str(me, 'id');
  if (!subject) throw new TypeError('instagram: the profile has no id');
  return { subject, emailVerified: false, username: str(me, 'username') };
}
