import type { FastifyRequest } from 'fastify';
import type { Core } from '../../core/index.js';
import type { Profile } from '../../core/accounts/accounts.js';
import type { Client } from '../../core/clients.js';
import type { Claims } from '../../core/tokens/jwt.js';
import type { AccessTokenKind } from '../../core/tokens/access.js';
import { header } from '../request-info.js';
import { perCore } from '../shared/per-core.js';
import { accessClaims } from './claims.js';
import { arcFail } from './errors.js';

export const ARC = 'arc';

/** The bearer token as passport-http-bearer finds it: header (any scheme case), query, body. */
export function bearerToken(req: FastifyRequest): string | undefined {
  const auth = header(req, 'authorization');
  if (auth) {
    const m = /^bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  const q = (req.query as Record<string, unknown> | undefined)?.access_token;
  if (typeof q === 'string' && q) return q;
  const b = (req.body as Record<string, unknown> | undefined)?.access_token;
  return typeof b === 'string' && b ? b : undefined;
}

export interface Bearer {
  token: string;
  claims: Claims;
}

/** ARC access tokens: HS256 with JWT_SECRET, `typ: JWT`, the account's uuid in `id`. */
const arcAccess = perCore(
  (core): AccessTokenKind =>
    core.access.kind({
      sign: (claims) => core.jwt.sign(claims),
      verify: (token, opts) => core.jwt.verify(token, opts),
      typ: ['JWT'],
      account: (c) => (typeof c.id === 'string' && Array.isArray(c.permissions) ? { uuid: c.id } : undefined),
    }),
);

/**
 * ARC's BEARER strategy: revoked → TokenRevoked; anything that is not a live access token
 * of ours → TokenExpired. Reset and sign-up tokens are not access tokens (the original let them in).
 */
export function requireBearer(core: Core, req: FastifyRequest): Bearer {
  const token = bearerToken(req);
  if (!token) return arcFail(401, 'Bearer realm="Users"');
  const now = Date.now();
  const checked = arcAccess(core).verify(token, now);
  if (!checked.ok) return arcFail(401, checked.reason === 'revoked' ? 'TokenRevoked' : 'TokenExpired', { nested: true });
  const { claims } = checked;
  if (typeof claims.passwordExpiryTime === 'number' && claims.passwordExpiryTime <= now) arcFail(401, 'PasswordExpiryError', { nested: true });
  return { token, claims };
}

/** Bearer plus one of `permissions` (loopback4-authorization). */
export function requirePermission(core: Core, req: FastifyRequest, permission: string): Bearer {
  const b = requireBearer(core, req);
  if (!(b.claims.permissions as unknown[]).includes(permission)) arcFail(403, 'NotAllowedAccess');
  return b;
}

/** Bearer with a permission if one was sent, else undefined (anonymous callers). */
export function optionalPermission(core: Core, req: FastifyRequest, permission: string): boolean {
  if (!bearerToken(req)) return false;
  requirePermission(core, req, permission);
  return true;
}

function device(req: FastifyRequest) {
  return { deviceId: header(req, 'device_id'), userAgent: header(req, 'user-agent') };
}

export function mintAccess(core: Core, claims: Claims, client: Client) {
  return arcAccess(core).mint(claims, client.accessTokenExpiration);
}

/**
 * `createJWT`: a new session with its access and refresh token (ARC's TokenResponse). `upstream`
 * is a social provider's sealed tokens, kept with the session (the original's refresh record).
 */
export async function issueTokens(core: Core, profile: Profile, client: Client, req: FastifyRequest, source?: string, cutOffSeen?: number | null, upstream?: string) {
  if (!profile.clientIds.includes(client.id)) arcFail(401, 'Client Invalid');
  const d = device(req);
  const claims = accessClaims(profile, client, d, core.config.locale);
  const issued = await core.sessions.start(
    { userId: profile.user.id, clientId: client.id, kind: ARC, source, deviceId: d.deviceId, userAgent: d.userAgent, ip: req.ip, refreshTtlSec: client.refreshTokenExpiration, cutOffSeen, upstream },
    () => mintAccess(core, claims, client),
  );
  return { accessToken: issued.access.token, refreshToken: issued.refreshToken, expires: issued.access.expMs };
}

export async function rotateTokens(core: Core, refreshToken: string, pairedAccess: string | null, req: FastifyRequest) {
  const d = device(req);
  return core.sessions.rotate(refreshToken, {
    kind: ARC,
    pairedAccess,
    mint: async (session) => {
      const client = session.client_id === null ? undefined : await core.clients.byId(session.client_id);
      if (!client) return arcFail(401, 'Client Invalid');
      const profile = await core.accounts.profile(session.user_id);
      if (!profile) return arcFail(401, 'UserDoesNotExist');
      if (!profile.clientIds.includes(client.id)) arcFail(401, 'Client Invalid');
      return { ...mintAccess(core, accessClaims(profile, client, d, core.config.locale), client), refreshTtlSec: client.refreshTokenExpiration };
    },
  });
}
