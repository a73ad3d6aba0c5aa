import type {} from '@feathersjs/transport-commons';
import type { Application } from '@feathersjs/feathers';
import type { Core } from '../../core/index.js';
import type { AccessTokenKind } from '../../core/tokens/access.js';

/** What the dialect asks of RBAC for claims and authorization (core's `claims`). */
export type FeathersRbac = Core['claims'];

/** Everything a Feathers service or hook of this dialect needs, built once per server. */
export interface FeathersContext {
  core: Core;
  /** Feathers access tokens: HS256, header `typ: access`, the account's integer id in `sub`. */
  access: AccessTokenKind;
  rbac: FeathersRbac;
  /** The Feathers application: services, hooks and the socket.io channels. */
  app: Application;
}

/** What every service call carries, from either transport. */
export interface CallParams {
  provider?: 'rest' | 'socketio';
  query?: Record<string, unknown>;
  /** `{strategy: 'jwt', accessToken}` from the Authorization header or the socket's sign-in. */
  authentication?: { strategy?: unknown; accessToken?: unknown };
  /** The socket.io connection (socket transport only). */
  connection?: Connection;
  ip?: string;
  userAgent?: string;
  /** The gatehouse_device cookie's id, for the login throttle. */
  device?: string;
  /** Set by the authenticate hook. */
  principal?: Principal;
}

/** A socket.io connection's Feathers state (`socket.feathers`). */
export interface Connection {
  provider: 'socketio';
  headers: Record<string, string | string[] | undefined>;
  ip?: string;
  userAgent?: string;
  device?: string;
  authentication?: { strategy: 'jwt'; accessToken: string };
  /** Ends the connection's sign-in when its token expires (as Feathers' JWT strategy does). */
  expiry?: NodeJS.Timeout;
}

/** The signed-in caller of a service call. */
export interface Principal {
  userId: number;
  accessToken: string;
  claims: Record<string, unknown>;
}
