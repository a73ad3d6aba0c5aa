import type { Config } from '../../../config/index.js';
import type { Provider } from './provider.js';

/**
 * Google: OpenID Connect by discovery at GOOGLE_AUTH_ISSUER. ARC's GOOGLE_AUTH_URL and
 * GOOGLE_AUTH_TOKEN_URL still override the two endpoints they named. The original also asked
 * for offline access; nothing uses Google's refresh token, so none is asked for (a token not
 * held cannot leak).
 */
export function google(c: Config): Provider {
  return {
    id: 'google',
    name: 'Google',
    icon: 'google',
    protocol: 'oidc',
    clientId: c.googleAuthClientId,
    clientSecret: c.googleAuthClientSecret || undefined,
    scope: 'openid email profile',
    issuer: c.googleAuthIssuer,
    authorizationUrl: c.googleAuthUrl,
    tokenUrl: c.googleAuthTokenUrl,
    callbackUrl: c.googleAuthCallbackUrl,
    source: 'config',
  };
}
