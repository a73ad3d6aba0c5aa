import type { JWTPayload } from 'jose';
import type { UserInfoResponse } from 'openid-client';
import type { ExternalProfile } from './types.js';
import { str, type Provider } from './providers/provider.js';

/**
 * The person as an OpenID provider asserted them: the verified id_token's claims, with the
 * email (and its verification) from userinfo only when the id_token had none. `email_verified`
 * counts only when it is literally true (Apple documents the string "true" too).
 */
export function oidcProfile(p: Provider, claims: JWTPayload & { sub: string }, info: UserInfoResponse | undefined, params: Record<string, string | undefined>): Omit<ExternalProfile, 'provider'> {
  const source: Record<string, unknown> = info && claims.email === undefined ? { ...claims, email: info.email, email_verified: info.email_verified } : claims;
  const verified = source.email_verified === true || (p.emailVerifiedString === true && source.email_verified === 'true');
  const names = { ...appleName(p, params), ...definedOf({ name: str(claims, 'name') ?? str(info, 'name'), givenName: str(claims, 'given_name') ?? str(info, 'given_name'), familyName: str(claims, 'family_name') ?? str(info, 'family_name') }) };
  return {
    subject: claims.sub,
    email: str(source, 'email'),
    emailVerified: verified,
    ...names,
    username: str(claims, 'preferred_username') ?? str(info, 'preferred_username'),
    picture: str(claims, 'picture') ?? str(info, 'picture'),
  };
}

const definedOf = <T extends Record<string, string | undefined>>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * Apple sends the name once, on the first sign-in, as the form field `user` (JSON, unsigned):
 * it is used for the name only, never for the email, which comes from the signed id_token.
 */
function appleName(p: Provider, params: Record<string, string | undefined>): Pick<ExternalProfile, 'name' | 'givenName' | 'familyName'> {
  if (!p.apple || !params.user) return {};
  try {
    const u = JSON.parse(params.user) as { name?: { firstName?: unknown; lastName?: unknown } };
    const given = typeof u.name?.firstName === 'string' ? u.name.firstName : undefined;
    const family = typeof u.name?.lastName === 'string' ? u.name.lastName : undefined;
    const full = [given, family].filter(Boolean).join(' ');
    return definedOf({ givenName: given, familyName: family, name: full || undefined });
  } catch {
    return {};
  }
}
