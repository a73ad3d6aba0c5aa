import type { HookContext } from '@feathersjs/feathers';
import type { CallParams, FeathersContext } from '../context.js';
import { principalOf } from './authenticate.js';

const EVENT_OF = { create: 'created', update: 'updated', patch: 'patched', remove: 'removed' } as const;
type Written = keyof typeof EVENT_OF;

/**
 * Writes nothing for: `authentication` (sign-ins and sign-outs are audited by core, and its result
 * carries tokens), and `events` itself (read only). `auth_sessions` writes are recorded like any
 * other: an entry holds the service, the method and the record's id, never a token.
 */
const UNRECORDED = new Set(['authentication', 'events']);

/**
 * The events trail (app-level after hook on create, update, patch and remove): one audit entry
 * per record a successful call wrote, `{source_table: <service>, event, table_id}`, by the
 * caller, or by the new account itself for a public sign-up. Custom methods (`count`,
 * `available`) write nothing: the hook is registered for the four methods only. A failed write
 * of the entry is logged by core and does not fail the call that already succeeded.
 */
export function recordEvents(ctx: FeathersContext) {
  return async (context: HookContext): Promise<void> => {
    const event = EVENT_OF[context.method as Written];
    if (!event || UNRECORDED.has(context.path)) return;
    const params = context.params as CallParams;
    let actor: number | undefined;
    try {
      actor = principalOf(ctx, params)?.userId;
    } catch {
      // The call succeeded without a usable token (a public sign-up that sent a stale one).
      actor = undefined;
    }
    const results: unknown[] = Array.isArray(context.result) ? context.result : [context.result];
    for (const r of results) {
      const id = r && typeof r === 'object' ? (r as { id?: unknown }).id : undefined;
      if (typeof id !== 'number') continue;
      const signUp = actor === undefined && context.path === 'users' && event === 'created';
      await ctx.core.audit.record({
        userId: actor ?? (signUp ? id : null),
        module: 'feathers',
        level: 'info',
        message: `${context.path} ${event}`,
        sourceTable: context.path,
        event,
        tableId: id,
        ip: params.ip ?? null,
      });
    }
  };
}
