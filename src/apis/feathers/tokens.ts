import type { Core } from '../../core/index.js';
import type { Account } from '../../core/accounts/accounts.js';
import type { Minted } from '../../core/sessions/sessions.js';
import type { AccessTokenKind } from '../../core/tokens/access.js';
import type { FeathersRbac } from './context.js';
import { claimsFor } from '../shared/feathers-tokens.js';

/** A new access token for `user`: its global roles and groups as they are now. */
export async function mintFor(core: Core, access: AccessTokenKind, rbac: FeathersRbac, user: Account): Promise<() => Minted> {
  const claims = await claimsFor(rbac, user);
  return () => access.mint(claims, core.config.feathersAccessSeconds);
}
