import {
  authorizationCodeGrant,
  buildAuthorizationUrl,
  calculatePKCECodeChallenge,
  fetchUserInfo,
  randomNonce,
  randomPKCECodeVerifier,
  type ServerMetadata,
} from 'openid-client';
import type { Logger } from 'pino';
import { CoreError, fail } from '../errors.js';
import { safeEqual } from '../util/crypto.js';
import type { ExternalProfile, Finished, FinishInput, Started, StartInput, UpstreamTokens } from './types.js';
import type { Provider } from './providers/provider.js';
import type { ProviderRegistry } from './registry.js';
import type { ClientConfigs } from './client.js';
import type { PendingSignIns } from './state.js';
import type { IdTokenVerifier } from './id-token.js';
import { describe, upstreamError } from './failures.js';
import { profileFetcher } from './upstream-http.js';
import { oidcProfile } from './oidc-profile.js';

export interface FlowDeps {
  registry: ProviderRegistry;
  clients: ClientConfigs;
  pending: PendingSignIns;
  verifyIdToken: IdTokenVerifier;
  timeoutMs: number;
  log: Logger;
}

/** The callback parameters openid-client is shown; the rest (Apple's `user`, Keycloak's `session_state`) is not its business. */
const CALLBACK_KEYS = ['code', 'state', 'iss'] as const;

/** An OpenID request always asks for `openid`: without it the provider answers no id_token. */
const withOpenid = (scope: string) => (scope.split(/\s+/).includes('openid') ? scope : `openid ${scope}`.trim());

/**
 * The sign-in's two legs. `start` keeps the state, the PKCE verifier and the nonce server-side
 * and sends the browser to the provider; `finish` takes them back (once), exchanges the code,
 * verifies the id_token (OpenID) or reads the profile API (plain OAuth2). Neither writes an
 * account: `resolve` (identities.ts) does, after the dialect has seen the result.
 */
export function signInFlow(d: FlowDeps) {
  const fetchProfile = profileFetcher(d.timeoutMs);

  async function provider(id: string): Promise<Provider> {
    return (await d.registry.get(id)) ?? fail('provider_unknown', `no provider ${String(id).slice(0, 64)} is configured`);
  }

  /** Logs a provider's failure for operators (never its tokens), then throws it as a CoreError. */
  function failed(p: Provider, step: string, e: unknown): never {
    const err = upstreamError(e);
    d.log.warn({ provider: p.id, step, code: err.code, reason: e instanceof CoreError ? e.message : describe(e) }, 'federated sign-in failed upstream');
    throw err;
  }

  async function start(input: StartInput): Promise<Started> {
    const p = await provider(input.provider);
    if (!input.redirectUri || !URL.canParse(input.redirectUri)) fail('invalid_input', 'redirect URI is not a URL');
    await d.pending.admit(input.ip);
    const redirectUri = redirectFor(p, input.redirectUri);
    const { config, meta } = await d.clients.configuration(p).catch((e: unknown) => failed(p, 'discovery', e));
    const oidc = p.protocol === 'oidc';
    const pkce = oidc ? meta.code_challenge_methods_supported?.includes('S256') === true : p.pkce === true;
    const verifier = pkce ? randomPKCECodeVerifier() : undefined;
    const nonce = oidc ? randomNonce() : undefined;
    const state = await d.pending.put({ provider: p.id, redirectUri, verifier, nonce, context: { ...input.context } }, input.statePrefix);
    const params: Record<string, string> = {
      redirect_uri: redirectUri,
      scope: oidc ? withOpenid(p.scope) : p.scope,
      state,
      ...(nonce && { nonce }),
      ...(verifier && { code_challenge: await calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' }),
      ...p.authParams,
    };
    return { url: buildAuthorizationUrl(config, params).href, state };
  }

  async function finish(input: FinishInput): Promise<Finished> {
    const state = input.params.state;
    if (typeof state !== 'string' || !state) throw new CoreError('state_invalid', 'no state');
    // The browser that started the sign-in must be the one finishing it (login CSRF); checked before the state is spent.
    if (input.browserState !== undefined && !safeEqual(input.browserState, state)) fail('state_invalid', 'state does not match this browser');
    const pending = await d.pending.take(state);
    if (!pending || pending.provider !== input.provider) throw new CoreError('state_invalid', 'unknown, expired or used state');
    const p = await provider(input.provider);
    const { params } = input;
    if (params.error) failed(p, 'authorization', new CoreError('upstream_rejected', `provider answered ${String(params.error).slice(0, 64)}`));
    if (!params.code) failed(p, 'authorization', new CoreError('upstream_rejected', 'no code in the callback'));

    const { config, meta } = await d.clients.configuration(p).catch((e: unknown) => failed(p, 'discovery', e));
    const callback = new URL(pending.redirectUri);
    callback.search = '';
    callback.hash = '';
    for (const k of CALLBACK_KEYS) if (typeof params[k] === 'string') callback.searchParams.set(k, params[k] as string);
    const oidc = p.protocol === 'oidc';
    const answer = await authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: pending.verifier,
      expectedState: state,
      ...(oidc && { expectedNonce: pending.nonce, idTokenExpected: true }),
    }).catch((e: unknown) => failed(p, 'token', e));
    const tokens: UpstreamTokens = {
      accessToken: answer.access_token,
      ...(answer.refresh_token && { refreshToken: answer.refresh_token }),
      ...(answer.id_token && { idToken: answer.id_token }),
    };

    let profile: Omit<ExternalProfile, 'provider'>;
    if (oidc) {
      profile = await verifiedProfile(p, meta, tokens, pending.nonce ?? '', params, config).catch((e: unknown) => failed(p, 'id_token', e));
    } else {
      if (!p.profile) throw new CoreError('provider_unknown', `${p.id} has no profile API`);
      profile = await p.profile(fetchProfile, tokens, p).catch((e: unknown) => failed(p, 'profile', e));
    }
    return { profile: clean({ ...profile, provider: p.id }), tokens, context: pending.context };
  }

  async function verifiedProfile(
    p: Provider,
    meta: ServerMetadata,
    tokens: UpstreamTokens,
    nonce: string,
    params: Record<string, string | undefined>,
    config: Parameters<typeof fetchUserInfo>[0],
  ): Promise<Omit<ExternalProfile, 'provider'>> {
    if (!tokens.idToken) throw new CoreError('upstream_rejected', 'no id_token');
    if (!meta.jwks_uri) throw new CoreError('upstream_failed', 'the provider publishes no jwks_uri');
    const claims = await d.verifyIdToken(tokens.idToken, { jwksUri: meta.jwks_uri, issuer: meta.issuer, audience: p.clientId, nonce });
    // The email may be left to userinfo (conformant providers put only `sub` in the id_token).
    const info = claims.email === undefined && meta.userinfo_endpoint ? await fetchUserInfo(config, tokens.accessToken, claims.sub) : undefined;
    return oidcProfile(p, claims, info, params);
  }

  return { start, finish };
}

/**
 * ARC's `*_CALLBACK_URL` is the public address of ARC's own callback (behind a gateway it may
 * carry a path prefix): it replaces the callback of the dialect whose path it ends with. Other
 * dialects' callbacks (simple's `/oidc/{id}/callback`, Feathers' `/oauth/{provider}/callback`)
 * are their own, so one provider serves every dialect.
 */
function redirectFor(p: Provider, asked: string): string {
  if (!p.callbackUrl || !URL.canParse(p.callbackUrl)) return asked;
  const own = new URL(asked).pathname;
  return own !== '/' && new URL(p.callbackUrl).pathname.endsWith(own) ? p.callbackUrl : asked;
}

const MAX_FIELD = 255;

/** Bounds what the provider said before it reaches an account: no overlong or malformed values. */
function clean(p: ExternalProfile): ExternalProfile {
  if (!p.subject || p.subject.length > MAX_FIELD) throw new CoreError('upstream_failed', 'the provider named no usable subject');
  const cut = (s: string | undefined) => (s === undefined ? undefined : s.trim().slice(0, MAX_FIELD) || undefined);
  const email = cut(p.email);
  const okEmail = email !== undefined && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) ? email : undefined;
  return {
    provider: p.provider,
    subject: p.subject,
    ...(okEmail && { email: okEmail }),
    emailVerified: okEmail !== undefined && p.emailVerified === true,
    ...(cut(p.name) && { name: cut(p.name) }),
    ...(cut(p.givenName) && { givenName: cut(p.givenName) }),
    ...(cut(p.familyName) && { familyName: cut(p.familyName) }),
    ...(cut(p.username) && { username: cut(p.username) }),
    ...(cut(p.picture) && { picture: cut(p.picture) }),
  };
}
export type SignInFlow = ReturnType<typeof signInFlow>;
