import type { Config } from '../../../config/index.js';
import type { Provider } from './provider.js';

const trimSlash = (s: string): string => s.replace(/\/+$/, '');

/**
 * Keycloak: OpenID Connect. The original built every URL from KEYCLOAK_HOST and KEYCLOAK_REALM
 * under `/auth/realms/…` (Keycloak before 17); KEYCLOAK_ISSUER names the realm's issuer of a
 * newer one (no `/auth`). `POST /keycloak/logout` ends the upstream session at
 * `<issuer>/protocol/openid-connect/logout`, or at the discovered end_session_endpoint.
 */
export function keycloak(c: Config): Provider | undefined {
  const issuer = c.keycloakIssuer
    ? trimSlash(c.keycloakIssuer)
    : c.keycloakHost && c.keycloakRealm
      ? `${trimSlash(c.keycloakHost)}/auth/realms/${encodeURIComponent(c.keycloakRealm)}`
      : undefined;
  if (!issuer) return undefined;
  return {
    id: 'keycloak',
    name: 'Keycloak',
    icon: 'keycloak',
    protocol: 'oidc',
    clientId: c.keycloakClientId,
    clientSecret: c.keycloakClientSecret || undefined,
    scope: 'openid email profile',
    issuer,
    callbackUrl: c.keycloakCallbackUrl,
    endSessionUrl: `${issuer}/protocol/openid-connect/logout`,
    source: 'config',
  };
}
