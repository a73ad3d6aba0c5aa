import type { Account } from '../../../core/accounts/accounts.js';
import { NotAuthenticated } from '@feathersjs/errors';
import type { CallParams, FeathersContext } from '../context.js';
import { mintFor } from '../tokens.js';
import { authResult, type AuthResult } from './result.js';

export const FEATHERS_KIND = 'feathers';

/**
 * A new Feathers session for `user`, whose credentials were just checked (password, one-time
 * code, provider): a refresh-token family, an access token, and the authentication result.
 * `strategy` is how the user signed in (`local`, `otp`, a provider's slug).
 */
export async function startSession(ctx: FeathersContext, user: Account, strategy: string, params: CallParams): Promise<AuthResult> {
  const core = ctx.core;
  const mint = await mintFor(core, ctx.access, ctx.rbac, user);
  const issued = await core.sessions.start(
    {
      userId: user.id,
      clientId: null,
      kind: FEATHERS_KIND,
      source: strategy,
      userAgent: params.userAgent,
      ip: params.ip,
      refreshTtlSec: core.config.feathersRefreshSeconds,
      cutOffSeen: user.sessions_not_before,
    },
    mint,
  );
  await core.accounts.touchLastLogin(user.id);
  const checked = ctx.access.verify(issued.access.token);
  if (!checked.ok) throw new NotAuthenticated('Invalid login');
  return authResult({ strategy, accessToken: issued.access.token, payload: checked.claims, user, refreshToken: issued.refreshToken, echoToken: false });
}
