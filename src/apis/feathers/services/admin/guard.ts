import { Forbidden } from '@feathersjs/errors';
import type { CallParams, FeathersContext, Principal } from '../../context.js';
import { requirePrincipal } from '../../hooks/authenticate.js';
import { holds } from '../../hooks/authorize.js';

/**
 * The admin console's services answer administrators only: the `admin` role or the `full_access`
 * scope (401 without a token, 403 for anyone else), whatever the console shows or hides.
 */
export async function requireAdmin(ctx: FeathersContext, params: CallParams): Promise<Principal> {
  const p = requirePrincipal(ctx, params);
  if (!(await holds(ctx, p, ['full_access']))) throw new Forbidden('Administrators only');
  return p;
}

/** `$limit`/`$skip` of a console listing, within the dialect's pagination bounds. */
export function pageOf(ctx: FeathersContext, query: Record<string, unknown> | undefined): { skip: number; limit: number } {
  const max = ctx.core.config.feathersPaginateMax;
  const l = Number(query?.$limit ?? ctx.core.config.feathersPaginateDefault);
  const s = Number(query?.$skip ?? 0);
  return { limit: Math.min(max, Math.max(0, Number.isFinite(l) ? Math.floor(l) : 10)), skip: Math.max(0, Number.isFinite(s) ? Math.floor(s) : 0) };
}
