/**
 * Real upstreams for federation tests: an OpenID provider (oidc-provider) and GitHub-, Facebook-
 * and Instagram-like OAuth2 servers, all on 127.0.0.1. Every one started is tracked: call
 * `closeAllUpstreams()` in an `afterAll` so a failing test leaves nothing listening.
 */
export { closeAllUpstreams } from './http.js';
export { startOidcUpstream, type AppleClientKey, type LogoutCall, type OidcClient, type OidcUpstream, type OidcUser, type TokenTamper } from './oidc.js';
export { startOAuth2Upstream, type OAuth2Kind, type OAuth2Tamper, type OAuth2Upstream, type OAuth2User } from './oauth2.js';
