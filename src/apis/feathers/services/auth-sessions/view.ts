import type { AuthSession } from '../../../../core/sessions/auth-sessions.js';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A session in the spec's field order. The geolocation fields are always null: the original
 * filled them from an IP lookup service (ipinfo-style), and Gatehouse sends no address of its
 * users to a third party. `encrypted_token` is never shown: a personal access token appears once,
 * as `accessToken` in its create answer, and only a hash of its signature is kept.
 */
export function authSessionView(s: AuthSession) {
  return {
    id: s.id,
    title: s.title,
    user_id: s.user_id,
    auth_provider: s.auth_provider,
    ip: s.ip,
    hostname: null,
    city: null,
    region: null,
    country: null,
    loc: null,
    org: null,
    postal: null,
    timezone: null,
    useragent: s.useragent,
    browser_name: s.browser_name,
    browser_version: s.browser_version,
    engine_name: s.engine_name,
    engine_version: s.engine_version,
    device_vendor: s.device_vendor,
    device_model: s.device_model,
    device_type: s.device_type,
    os_name: s.os_name,
    os_version: s.os_version,
    cpu_arch: s.cpu_arch,
    revoked: s.revoked,
    expires_at: iso(s.expires_at),
    created_at: iso(s.created_at),
    updated_at: iso(s.updated_at),
  };
}
export type AuthSessionView = ReturnType<typeof authSessionView>;
