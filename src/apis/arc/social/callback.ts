import type { FastifyRequest } from 'fastify';
import type { Core } from '../../../core/index.js';
import { arcFail, fromCore, type CoreMap } from '../errors.js';
import { issueAuthCode } from '../auth-code.js';
import type { ArcProvider } from './providers.js';

const notConfigured = (provider: string) => `Social login provider ${provider} is not configured`;

/**
 * The engine's failures on ARC's wire. What the original's passport strategies and verifiers
 * raised comes nested (`message.message`), as there; an unknown person is the default sign-up
 * provider's "Invalid Credentials". Decision 13: an unconfigured provider is a 400.
 */
export function socialErrors(provider: string): CoreMap {
  return {
    provider_unknown: [400, notConfigured(provider)],
    client_invalid: [401, 'Client Invalid', true],
    state_invalid: [401, 'Unable to verify authorization request state.', true],
    upstream_failed: [401, 'Failed to obtain access token', true],
    upstream_rejected: [401, 'The provider did not confirm the sign-in', true],
    signup_disabled: [401, 'Invalid Credentials', true],
    identity_conflict: [401, 'Invalid Credentials', true],
    // As a local login: a blocked account gets no code (the original's verifiers did not look).
    user_inactive: [401, 'UserInactive', true],
  };
}

/** The callback's parameters (query, or Apple's posted form), strings only. */
export function callbackParams(src: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (src && typeof src === 'object') for (const [k, v] of Object.entries(src)) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * A provider's callback: the engine checks the state and the provider's answer, then the ARC
 * client the sign-in started for (kept server-side, not read back from `state`) must still exist
 * with a redirectUrl, checked before anything is written (the original checked it after its
 * verifier, which wrote nothing; ours may link or create an account), then the account
 * (found, linked or, with ARC_SOCIAL_SIGNUP_ENABLED, created) gets a code as a local login does.
 * Returns where to send the browser.
 */
export async function socialCallback(core: Core, p: ArcProvider, params: Record<string, string>, req: FastifyRequest): Promise<string> {
  const errors = socialErrors(p.id);
  // Decision 13 comes first: a callback for a provider that is not configured has nothing to check.
  if (!(await core.federation.has(p.id))) arcFail(400, notConfigured(p.id));
  const done = await core.federation.finish({ provider: p.id, params }).catch((e: unknown) => fromCore(e, errors));
  const clientId = done.context.clientId;
  const client = clientId ? await core.clients.byClientId(clientId) : undefined;
  if (!client?.redirectUrl) return arcFail(401, 'Client Invalid');
  const { account, created } = await core.federation
    .resolve(done.profile, { signup: core.config.arcSocialSignupEnabled, dialect: 'arc', ip: req.ip })
    .catch((e: unknown) => fromCore(e, errors));
  // A new account may use the client it signed up through; /auth/token checks authClientIds.
  if (created) await core.accounts.allowClient(account.id, client.id);
  const code = await issueAuthCode(core, client, account, { source: p.id, cutOff: account.sessions_not_before, upstream: core.federation.sealTokens(done.tokens) });
  // The redirectUrl verbatim, no merging with a query it may have: the original's `Location`.
  if (p.id !== 'apple') return `${client.redirectUrl}?code=${code}`;
  // The original sent `role=undefined` (its verifier's user had no role); this is the role the
  // access token will carry ("0"/"1"), empty when the account has none.
  const roleType = (await core.accounts.profile(account.id))?.access.roleType ?? null;
  const role = roleType === null ? '' : String(roleType);
  return `${core.config.arcWebappUrl}${client.redirectUrl}?code=${code}&role=${encodeURIComponent(role)}`;
}
