import type { Config } from '../../../config/index.js';
import { str, withFields, type Provider, type ProfileFetch } from './provider.js';
import type { ExternalProfile, UpstreamTokens } from '../types.js';

/**
 * Facebook: plain OAuth2 (with PKCE, which Facebook Login supports) and the Graph API's `/me`.
 * Its email never counts as verified: Facebook asserts nothing about it in the answer, and
 * accounts have been registered with addresses their holders never confirmed. A Facebook
 * sign-in therefore never links to an existing account by email (docs/federation.md).
 */
export function facebook(c: Config): Provider {
  return {
    id: 'facebook',
    name: 'Facebook',
    icon: 'facebook',
    protocol: 'oauth2',
    profileApi: 'facebook',
    clientId: c.facebookAuthClientId,
    clientSecret: c.facebookAuthClientSecret || undefined,
    scope: 'email public_profile',
    authorizationUrl: c.facebookAuthUrl,
    tokenUrl: c.facebookAuthTokenUrl,
    userinfoUrl: c.facebookAuthProfileUrl,
    callbackUrl: c.facebookAuthCallbackUrl,
    pkce: true,
    profile: facebookProfile,
    source: 'config',
  };
}

async function facebookProfile(fetch: ProfileFetch, tokens: UpstreamTokens, p: Provider): Promise<Omit<ExternalProfile, 'provider'>> {
  const me = await fetch(withFields(p.userinfoUrl ?? '', 'id,name,email,first_name,last_name'), tokens.accessToken);
  const subject = str(me, 'id');
  if (!subject) throw new TypeError('facebook: the profile has no id');
  return {
    subject,
    email: str(me, 'email'),
    emailVerified: false,
    name: str(me, 'name'),
    givenName: str(me, 'first_name'),
    familyName: str(me, 'last_name'),
  };
}
