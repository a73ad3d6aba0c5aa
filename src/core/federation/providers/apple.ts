import { readFileSync } from 'node:fs';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { ConfigError, type Config } from '../../../config/index.js';
import type { Provider } from './provider.js';

/**
 * Sign in with Apple: OpenID Connect by discovery at APPLE_AUTH_ISSUER. Apple has no client
 * secret: each token request carries an ES256 JWT signed with the key Apple issued (the `.p8`
 * file of APPLE_AUTH_PRIVATE_KEY_LOCATION, or APPLE_AUTH_PRIVATE_KEY inline). Asking for `name`
 * or `email` obliges `response_mode=form_post`: the callback is a POST (ARC declared it GET).
 */
export function apple(c: Config): Provider {
  return {
    id: 'apple',
    name: 'Apple',
    icon: 'apple',
    protocol: 'oidc',
    clientId: c.appleAuthClientId,
    // `openid` is what makes an OpenID provider answer an id_token; Apple lists it and ignores it.
    scope: 'openid name email',
    issuer: c.appleAuthIssuer,
    callbackUrl: c.appleAuthCallbackUrl,
    authParams: { response_mode: 'form_post' },
    emailVerifiedString: true,
    ...(c.appleAuthTeamId && c.appleAuthKeyId && { apple: { teamId: c.appleAuthTeamId, keyId: c.appleAuthKeyId, privateKeyPem: applePem(c) } }),
    source: 'config',
  };
}

/** The configured key, checked when the server starts: a bad one is a configuration error, not a failed sign-in. */
function applePem(c: Config): string {
  let pem = c.appleAuthPrivateKey?.replace(/\\n/g, '\n');
  if (!pem && c.appleAuthPrivateKeyLocation) {
    try {
      pem = readFileSync(c.appleAuthPrivateKeyLocation, 'utf8');
    } catch (e) {
      throw new ConfigError(`APPLE_AUTH_PRIVATE_KEY_LOCATION: cannot read ${c.appleAuthPrivateKeyLocation}: ${(e as Error).message}`);
    }
  }
  if (!pem) return '';
  appleKey(pem);
  return pem;
}

function appleKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new ConfigError('the Apple private key (APPLE_AUTH_PRIVATE_KEY[_LOCATION]) is not a PEM private key');
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new ConfigError('the Apple private key must be an EC P-256 key (the .p8 file Apple issues)');
  }
  return key;
}

/** Lifetime of a client secret; Apple accepts up to six months, a short one is worth less to a thief. */
const SECRET_SECONDS = 300;
const cache = new Map<string, { secret: string; until: number }>();

/** Apple's client secret: ES256 JWT, iss = team id, sub = client id, aud = the issuer, kid = key id. */
export async function appleClientSecret(p: Provider, now = Date.now()): Promise<string> {
  const a = p.apple;
  if (!a) throw new Error('apple: no signing key configured');
  const cacheKey = `${a.teamId}:${a.keyId}:${p.clientId}:${p.issuer}`;
  const hit = cache.get(cacheKey);
  // Reused while it has a minute left: signing per request would cost a signature each time.
  if (hit && hit.until - 60_000 > now) return hit.secret;
  const iat = Math.floor(now / 1000);
  const secret = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: a.keyId })
    .setIssuer(a.teamId)
    .setSubject(p.clientId)
    .setAudience(p.issuer ?? 'https://appleid.apple.com')
    .setIssuedAt(iat)
    .setExpirationTime(iat + SECRET_SECONDS)
    .sign(appleKey(a.privateKeyPem));
  cache.set(cacheKey, { secret, until: (iat + SECRET_SECONDS) * 1000 });
  return secret;
}
