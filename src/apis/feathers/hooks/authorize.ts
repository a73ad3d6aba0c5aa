import { Forbidden } from '@feathersjs/errors';
import type { FeathersContext, Principal } from '../context.js';

export type Operation = 'read' | 'create' | 'write' | 'remove';

/**
 * Decision 15: anything that is not the caller's own record needs the `admin` role or the access
 * scope naming the service and the operation: `<service>_read` for find and get,
 * `<service>_create` (or `_write`) for create, `<service>_write` for update and patch,
 * `<service>_remove` (or `_write`) for remove; `full_access` holds every scope.
 */
export function scopesFor(service: string, op: Operation): string[] {
  const base = [`${service}_${op}`, 'full_access'];
  if (op === 'create' || op === 'remove') base.push(`${service}_write`);
  return base;
}

/** Whether the caller is an administrator or holds one of `scopes`. */
export async function holds(ctx: FeathersContext, p: Principal, scopes: string[]): Promise<boolean> {
  if (await ctx.rbac.isAdmin(p.userId)) return true;
  const held = await ctx.rbac.scopesOf(p.userId);
  return scopes.some((s) => held.includes(s));
}

/** Refuses with 403 unless the caller may do `op` on any record of `service`. */
export async function requireScope(ctx: FeathersContext, p: Principal, service: string, op: Operation): Promise<void> {
  if (!(await holds(ctx, p, scopesFor(service, op)))) throw new Forbidden(`You are not allowed to ${op} ${service}`);
}
