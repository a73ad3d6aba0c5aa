import { feathers, type Application, type HookContext, type NextFunction } from '@feathersjs/feathers';
import socketio from '@feathersjs/socketio';
import type { Socket } from 'socket.io';
import type { Core } from '../../core/index.js';
import type { Connection, FeathersContext, FeathersRbac } from './context.js';
import { isServerFault, toFeathersError } from './errors.js';
import { publishEvents } from './channels.js';
import { feathersAccess } from '../shared/feathers-tokens.js';
import { tokenOfHeader } from './hooks/authenticate.js';
import { AuthenticationService } from './authentication/service.js';
import { UsersService } from './services/users/service.js';
import type { RestDoc } from './rest.js';
import { UserCreate, UserPatch, UserUpdate } from './services/users/schema.js';
import { RecordService, type RecordServiceOptions } from './services/record-service.js';
import { AccessGroupsService } from './services/access-groups.js';
import { UserOAuthProvidersService } from './services/user-oauth-providers.js';
import * as S from './services/schemas.js';
import { AuthSessionsService } from './services/auth-sessions/service.js';
import { AuthSessionCreate, AuthSessionPatch } from './services/auth-sessions/schema.js';
import { EventsService } from './services/events/service.js';
import { recordEvents } from './hooks/record-events.js';
import { AdminUsersService } from './services/admin/users.js';
import { AdminArcClientsService } from './services/admin/arc-clients.js';
import { AdminOAuth2ClientsService } from './services/admin/oauth2-clients.js';
import { AdminConfigService } from './services/admin/config.js';
import * as A from './services/admin/schemas.js';

/** A service of the dialect: its path, its implementation over core, and its REST documentation. */
export interface ServiceEntry {
  path: string;
  service: object;
  doc: RestDoc;
  events?: string[];
}

const CRUD = ['find', 'get', 'create', 'update', 'patch', 'remove'];

function services(ctx: FeathersContext): ServiceEntry[] {
  const r = ctx.core.records;
  const records = (path: string, recs: unknown, opts: RecordServiceOptions<{ id: number; user_id?: number }>): ServiceEntry => ({
    path,
    service: new RecordService(ctx, recs as never, opts),
    doc: { summary: `Feathers ${path}`, methods: CRUD, ...opts.schemas },
  });
  return [
    { path: 'authentication', service: new AuthenticationService(ctx), doc: { summary: 'Feathers authentication', methods: ['create', 'remove'] } },
    { path: 'users', service: new UsersService(ctx), doc: { summary: 'Feathers users', methods: [...CRUD, 'count'], create: UserCreate, update: UserUpdate, patch: UserPatch } },
    records('roles', r.roles, { scope: 'roles', schemas: S.named }),
    records('access_scopes', r.accessScopes, { scope: 'scopes', schemas: S.named }),
    records('role_access_scopes', r.roleAccessScopes, { scope: 'role_scopes', schemas: S.roleAccessScope }),
    records('user_roles', r.userRoles, { scope: 'user_roles', schemas: S.userRole, owner: 'user_id' }),
    records('access_group_types', r.groupTypes, { scope: 'access_group_types', schemas: S.named }),
    {
      path: 'access_groups',
      service: new AccessGroupsService(ctx, r.groups as never, { scope: 'access_groups', schemas: S.group }),
      doc: { summary: 'Feathers access_groups', methods: [...CRUD, 'count', 'available'], ...S.group },
    },
    records('user_group_roles', r.userGroupRoles, { scope: 'user_group_roles', schemas: S.userGroupRole, owner: 'user_id' }),
    records('group_group_roles', r.groupGroupRoles, { scope: 'group_group_roles', schemas: S.groupGroupRole }),
    records('oauth_providers', r.oauthProviders, { scope: 'auth_providers', schemas: S.oauthProvider }),
    // An owner sees and unlinks their links; a link is made by signing in with the provider, never by writing one.
    {
      path: 'user_oauth_providers',
      service: new UserOAuthProvidersService(ctx, r.userOAuthProviders as never, { scope: 'user_oauth_providers', schemas: S.userOAuthProvider, owner: 'user_id', ownerMayRemove: true }),
      doc: { summary: 'Feathers user_oauth_providers', methods: CRUD, ...S.userOAuthProvider },
    },
    // Sessions of every dialect and personal access tokens; no update (PUT): a session is the server's to write.
    { path: 'auth_sessions', service: new AuthSessionsService(ctx), doc: { summary: 'Feathers auth_sessions', methods: ['find', 'get', 'create', 'patch', 'remove'], create: AuthSessionCreate, patch: AuthSessionPatch } },
    // The audit log, read only.
    { path: 'events', service: new EventsService(ctx), doc: { summary: 'Feathers events', methods: ['find', 'get'] } },
    // The admin console's operations (docs/admin-console.md): administrators (admin role or full_access) only.
    {
      path: 'admin_users',
      service: new AdminUsersService(ctx),
      doc: { summary: 'Admin console: accounts', methods: ['find', 'get', 'create', 'patch', 'signOut', 'allowClient', 'disallowClient'], create: A.AdminUserCreate, patch: A.AdminUserPatch },
    },
    {
      path: 'admin_arc_clients',
      service: new AdminArcClientsService(ctx),
      doc: { summary: 'Admin console: ARC clients', methods: ['find', 'get', 'create', 'patch', 'remove'], create: A.ArcClientCreate, patch: A.ArcClientPatch },
    },
    { path: 'admin_oauth2_clients', service: new AdminOAuth2ClientsService(ctx), doc: { summary: 'Admin console: OAuth2 clients', methods: ['find', 'get', 'create', 'patch', 'remove'], create: A.OAuth2ClientCreate, patch: A.OAuth2ClientPatch } },
    { path: 'admin_config', service: new AdminConfigService(ctx), doc: { summary: 'Admin console: effective configuration, secrets masked', methods: ['find'] } },
  ];
}

/** Every failure leaves as a Feathers error; a server fault is logged, without its details going out. */
function errorHook(core: Core) {
  return async (context: HookContext, next: NextFunction) => {
    try {
      await next();
    } catch (e) {
      const fe = toFeathersError(e);
      if (isServerFault(fe)) core.log.error({ err: e, service: context.path, method: context.method }, 'feathers service failed');
      throw fe;
    }
  };
}

/** The client address of a socket, by the same rule as HTTP requests (TRUST_PROXY). */
function socketAddress(core: Core, socket: Socket): string {
  const fwd = socket.handshake.headers['x-forwarded-for'];
  const first = (Array.isArray(fwd) ? fwd[0] : fwd)?.split(',')[0]?.trim();
  return core.config.trustProxy && first ? first : socket.handshake.address;
}

/**
 * The Feathers application of the dialect: services over core, their hooks, the socket.io
 * transport (attached to Fastify's server by `setup`) and the channels events go to.
 */
export function feathersApp(core: Core, rbac: FeathersRbac): { ctx: FeathersContext; entries: ServiceEntry[] } {
  const app: Application = feathers();
  const ctx: FeathersContext = { core, access: feathersAccess(core), rbac, app };
  app.configure(
    socketio({ serveClient: false }, (io) => {
      io.use((socket, next) => {
        const conn = (socket as Socket & { feathers: Connection }).feathers;
        conn.ip = socketAddress(core, socket);
        const ua = socket.handshake.headers['user-agent'];
        conn.userAgent = typeof ua === 'string' ? ua : undefined;
        // A token in the handshake's Authorization header signs the connection in at once (as Feathers does).
        const token = tokenOfHeader(typeof socket.handshake.headers.authorization === 'string' ? socket.handshake.headers.authorization : undefined);
        if (!token) return next();
        app
          .service('authentication')
          .create({ strategy: 'jwt', accessToken: token }, { provider: 'socketio', connection: conn, ip: conn.ip } as never)
          .then(
            () => next(),
            (e: unknown) => {
              const fe = toFeathersError(e);
              next(Object.assign(new Error(fe.message), { data: fe.toJSON() }));
            },
          );
      });
    }),
  );
  const entries = services(ctx);
  for (const e of entries) app.use(e.path, e.service as never, { methods: e.doc.methods, events: e.events ?? [] });
  app.hooks({ around: { all: [errorHook(core)] } });
  const recorded = recordEvents(ctx);
  app.hooks({ after: { create: [recorded], update: [recorded], patch: [recorded], remove: [recorded] } });
  // Socket calls carry the connection's address and user agent as REST calls carry the request's.
  app.hooks({
    around: {
      all: [
        async (context: HookContext, next: NextFunction) => {
          const conn = context.params.connection as Connection | undefined;
          if (conn) Object.assign(context.params, { ip: conn.ip, userAgent: conn.userAgent, device: conn.device });
          await next();
        },
      ],
    },
  });
  app.on('disconnect', (conn: Connection) => {
    if (conn.expiry) clearTimeout(conn.expiry);
  });
  publishEvents(ctx);
  return { ctx, entries };
}
