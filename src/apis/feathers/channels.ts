import type { HookContext } from '@feathersjs/feathers';
import type { Channel } from '@feathersjs/transport-commons';
import type { Connection, FeathersContext } from './context.js';

const ADMINS = 'admins';
const userChannel = (id: number) => `users/${id}`;
const scopeChannel = (scope: string) => `scopes/${scope}`;

/** Services whose records belong to one account, by the field that names it. */
const OWNER_FIELD: Record<string, string> = {
  users: 'id',
  auth_sessions: 'user_id',
  events: 'user_id',
  user_roles: 'user_id',
  user_oauth_providers: 'user_id',
  user_group_roles: 'user_id',
};

/** The channels of an account: its own, and others' records as far as its role and scopes allow. */
async function channelsOf(ctx: FeathersContext, userId: number): Promise<string[]> {
  const [admin, scopes] = await Promise.all([ctx.rbac.isAdmin(userId), ctx.rbac.scopesOf(userId)]);
  return [userChannel(userId), ...(admin || scopes.includes('full_access') ? [ADMINS] : []), ...scopes.map(scopeChannel)];
}

/** A signed-in connection hears about its own records, and about others' as far as its role and scopes allow. */
export async function joinChannels(ctx: FeathersContext, connection: Connection, userId: number): Promise<void> {
  for (const name of await channelsOf(ctx, userId)) ctx.app.channel(name).join(connection);
}

export function leaveChannels(ctx: FeathersContext, connection: Connection): void {
  // app.channel() refuses an empty list (no channel exists before the first sign-in).
  if (ctx.app.channels.length) ctx.app.channel(ctx.app.channels).leave(connection);
}

/**
 * Whether a connection's sign-in still holds. Channels are joined at sign-in; a session ended
 * elsewhere since (a password change, a removed or blocked account) must end its events too,
 * as it ends its calls. A cached check: a map lookup and the revocation list.
 */
function live(ctx: FeathersContext, connection: Connection): boolean {
  const token = connection.authentication?.accessToken;
  return token !== undefined && ctx.access.verify(token).ok;
}

/** The channels' connections whose sign-in still holds; the others leave every channel. */
function liveOnly(ctx: FeathersContext, channel: Channel): Channel {
  const dead = (channel.connections as Connection[]).filter((c) => !live(ctx, c));
  for (const c of dead) leaveChannels(ctx, c);
  return dead.length ? channel.filter((c) => !dead.includes(c as Connection)) : channel;
}

/**
 * Real-time events go only to connections allowed to read the record (issue 11): its owner,
 * administrators, and holders of the read scope guarding the service (`roles_read`,
 * `scopes_read` for access_scopes, `auth_providers_read` for oauth_providers …), as they hold
 * them now (followHoldings). The authentication service publishes nothing.
 */
export function publishEvents(ctx: FeathersContext): void {
  followHoldings(ctx);
  ctx.app.publish((data: unknown, context: HookContext) => {
    const path = context.path;
    if (path === 'authentication') return undefined;
    // A service names the prefix of its scopes when it differs from its path (RecordService.scope).
    const prefix = (context.service as { scope?: unknown }).scope;
    const readScope = `${typeof prefix === 'string' ? prefix : path}_read`;
    // Another account's user record shows fields by scope; events carry all of it, so only administrators hear them.
    const names = path === 'users' ? [ADMINS] : [ADMINS, scopeChannel(readScope)];
    const field = OWNER_FIELD[path];
    const owner = field && data && typeof data === 'object' ? (data as Record<string, unknown>)[field] : undefined;
    if (typeof owner === 'number') names.push(userChannel(owner));
    // A personal access token is answered once, to the call that created it; its event goes without it.
    if (data && typeof data === 'object' && 'accessToken' in data) {
      const { accessToken: _shownOnce, ...rest } = data as Record<string, unknown>;
      return liveOnly(ctx, ctx.app.channel(names)).send(rest);
    }
    return liveOnly(ctx, ctx.app.channel(names));
  });
}

/**
 * Writes that change what accounts hold (a role given or taken, a scope added to a role …)
 * change who hears events at once, not at the next sign-in: a demoted administrator must stop
 * hearing everyone's records. A role given to or taken from one account moves that account's
 * connections; anything else (a role's scopes, a group's roles, a patched link) all of them.
 * Changes made outside the Feathers services (ARC, a script) apply at the next (re-)authentication.
 */
const HOLDINGS = ['roles', 'access_scopes', 'role_access_scopes', 'user_roles', 'user_group_roles', 'group_group_roles', 'access_groups'];

function connectionsOf(ctx: FeathersContext, name?: string): Connection[] {
  const names = name === undefined ? ctx.app.channels : ctx.app.channels.filter((n) => n === name);
  // A copy: moving a connection changes the channels' own lists.
  return names.length ? [...(ctx.app.channel(names).connections as Connection[])] : [];
}

async function rejoin(ctx: FeathersContext, connections: Connection[]): Promise<void> {
  for (const c of connections) {
    const token = c.authentication?.accessToken;
    const checked = token === undefined ? undefined : ctx.access.verify(token);
    const names = checked?.ok ? await channelsOf(ctx, Number(checked.claims.sub)) : [];
    // Signed out or in again meanwhile: that sign-in set its channels.
    if (c.authentication?.accessToken !== token) continue;
    leaveChannels(ctx, c);
    for (const n of names) ctx.app.channel(n).join(c);
  }
}

function followHoldings(ctx: FeathersContext): void {
  for (const path of HOLDINGS) {
    for (const event of ['created', 'updated', 'patched', 'removed']) {
      ctx.app.service(path).on(event, (data: Record<string, unknown>) => {
        const oneAccount = (path === 'user_roles' || path === 'user_group_roles') && (event === 'created' || event === 'removed') && typeof data?.user_id === 'number';
        const connections = connectionsOf(ctx, oneAccount ? userChannel(data.user_id as number) : undefined);
        rejoin(ctx, connections).catch((err: unknown) => ctx.core.log.error({ err, service: path, event }, 'feathers channels not refreshed'));
      });
    }
  }
}
