import type { Config } from '../../../config/index.js';
import { str, type Provider, type ProfileFetch } from './provider.js';
import type { ExternalProfile, UpstreamTokens } from '../types.js';

/**
 * GitHub: plain OAuth2 (with PKCE, which GitHub supports) and its REST API. The email is the
 * primary address of `/user/emails` when GitHub marks it verified; the profile's public email
 * is not trusted (anyone may type any address there).
 */
export function github(c: Config): Provider {
  return {
    id: 'github',
    name: 'GitHub',
    icon: 'github',
    protocol: 'oauth2',
    profileApi: 'github',
    clientId: c.githubAuthClientId,
    clientSecret: c.githubAuthClientSecret || undefined,
    scope: 'read:user user:email',
    authorizationUrl: c.githubAuthUrl,
    tokenUrl: c.githubAuthTokenUrl,
    userinfoUrl: c.githubAuthProfileUrl,
    emailsUrl: c.githubAuthEmailsUrl,
    callbackUrl: c.githubAuthCallbackUrl,
    pkce: true,
    profile: githubProfile,
    source: 'config',
  };
}

// GitHub's API refuses requests without a User-Agent.
const HEADERS = { accept: 'application/vnd.github+json', 'user-agent': 'Gatehouse', 'x-github-api-version': '2022-11-28' };

async function githubProfile(fetch: ProfileFetch, tokens: UpstreamTokens, p: Provider): Promise<Omit<ExternalProfile, 'provider'>> {
  const me = await fetch(p.userinfoUrl ?? '', tokens.accessToken, HEADERS);
  const subject = str(me, 'id');
  if (!subject) throw new TypeError('github: the profile has no id');
  let email: string | undefined;
  if (p.emailsUrl) {
    const list = await fetch(p.emailsUrl, tokens.accessToken, HEADERS);
    const primary = Array.isArray(list) ? (list as unknown[]).find((e) => !!e && typeof e === 'object' && (e as { primary?: unknown }).primary === true) : undefined;
    if (primary && (primary as { verified?: unknown }).verified === true) email = str(primary, 'email');
  }
  return {
    subject,
    email,
    emailVerified: email !== undefined,
    name: str(me, 'name'),
    username: str(me, 'login'),
    picture: str(me, 'avatar_url'),
  };
}
