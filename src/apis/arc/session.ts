import type { FastifyRequest } from 'fastify';
import type { Core } from '../../core/index.js';
import type { Profile } from '../../core/accounts/accounts.js';
import type { Client } from '../../core/clients.js';
import type { Claims } from '../../core/tokens/jwt.js';
import { JwtError } from '../../core/tokens/jwt.js';
import { sha256 } from '../../core/util/crypto.js';
import { ExpiringCache } from '../../core/util/expiring-cache.js';
import { header } from '../request-info.js';
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

/** A verified access token, remembered until it expires. */
interface Verified {
  claims: Claims;
  /** sha256 of the signature segment: the key of the revocation list. */
  sigHash: string;
}
/** How many verified tokens each server remembers (the oldest are forgotten first). */
const VERIFIED_MAX = 8192;
const verifiedByCore = new WeakMap<Core, ExpiringCache<Verified>>();

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}

function checkClaims(payload: Claims, now: number): void {
  if (typeof payload.id !== 'string' || !Array.isArray(payload.permissions)) arcFail(401, 'TokenExpired', { nested: true });
  if (typeof payload.passwordExpiryTime === 'number' && payload.passwordExpiryTime <= now) arcFail(401, 'PasswordExpiryError', { nested: true });
}

/**
 * ARC's BEARER strategy: revoked → TokenRevoked; anything that is not a live access token
 * of ours → TokenExpired. Reset and sign-up tokens are not access tokens (the original let them in).
 *
 * A token that verified once is remembered (by its exact string) until it expires, so a repeat
 * costs a map lookup instead of an HMAC, a SHA-256 and two JSON parses — under load those cost
 * ~25 µs a request here, most of a bearer check. Revocation is still checked on every request.
 */
export function requireBearer(core: Core, req: FastifyRequest): Bearer {
  const token = bearerToken(req);
  if (!token) return arcFail(401, 'Bearer realm="Users"');
  const now = Date.now();
  let verified = verifiedByCore.get(core);
  if (!verified) verifiedByCore.set(core, (verified = new ExpiringCache(VERIFIED_MAX)));
  const hit = verified.get(token, now);
  if (hit) {
    if (core.revocations.isRevokedHash(hit.sigHash) || core.revocations.isBlocked(hit.claims.id as string)) arcFail(401, 'TokenRevoked', { nested: true });
    checkClaims(hit.claims, now);
    return { token, claims: hit.claims };
  }
  const sigHash = sha256(core.sessions.sigOf(token));
  if (core.revocations.isRevokedHash(sigHash)) arcFail(401, 'TokenRevoked', { nested: true });
  let payload: Claims;
  try {
    payload = core.jwt.verify(token, { typ: ['JWT'] }).payload;
  } catch (e) {
    if (e instanceof JwtError) return arcFail(401, 'TokenExpired', { nested: true });
    throw e;
  }
  checkClaims(payload, now);
  // A blocked or deleted account's tokens end with it (its sessions are revoked too; this holds meanwhile).
  if (core.revocations.isBlocked(payload.id as string)) arcFail(401, 'TokenRevoked', { nested: true });
  if (typeof payload.exp === 'number') {
    verified.set(token, { claims: deepFreeze(payload), sigHash }, payload.exp * 1000);
  }
  return { token, claims: payload };
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
  const iat = Math.floor(Date.now() / 1000);
  const exp = iat + client.accessTokenExpiration;
  const token = core.jwt.sign({ ...claims, iat, exp });
  return { token, sig: core.sessions.sigOf(token), expMs: exp * 1000 };
}

/** `createJWT`: a new session with its access and refresh token (ARC's TokenResponse). */
export async function issueTokens(core: Core, profile: Profile, client: Client, req: FastifyRequest, source?: string, cutOffSeen?: number | null) {
  if (!profile.clientIds.includes(client.id)) arcFail(401, 'Client Invalid');
  const d = device(req);
  const claims = accessClaims(profile, client, d, core.config.locale);
  const issued = await core.sessions.start(
    { userId: profile.user.id, clientId: client.id, kind: ARC, source, deviceId: d.deviceId, userAgent: d.userAgent, ip: req.ip, refreshTtlSec: client.refreshTokenExpiration, cutOffSeen },
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
