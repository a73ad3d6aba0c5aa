import { NotAuthenticated } from '@feathersjs/errors';
import type { CallParams, FeathersContext, Principal } from '../context.js';

/**
 * The access token of a REST call, as @feathersjs/authentication's JWT strategy parses the
 * Authorization header: `Bearer <token>` or `JWT <token>` (any case), or the bare token.
 */
export function tokenOfHeader(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const m = /^(\S+)\s+(\S+)\s*$/.exec(value.trim());
  if (!m) return value.trim() || undefined;
  return /^(bearer|jwt)$/i.test(m[1] ?? '') ? m[2] : undefined;
}

/** Verifies an access token; Feathers' messages for expired and unusable ones. */
export function principalOfToken(ctx: FeathersContext, accessToken: string): Principal {
  const checked = ctx.access.verify(accessToken);
  if (!checked.ok) {
    if (checked.reason === 'expired') throw new NotAuthenticated('jwt expired', { name: 'TokenExpiredError' });
    throw new NotAuthenticated('Invalid authentication information');
  }
  return { userId: Number(checked.claims.sub), accessToken, claims: checked.claims };
}

/** The signed-in caller, or undefined for an anonymous call (a bad token is an error, not anonymous). */
export function principalOf(ctx: FeathersContext, params: CallParams): Principal | undefined {
  if (params.principal) return params.principal;
  const auth = params.authentication;
  if (!auth) return undefined;
  if (auth.strategy !== 'jwt' || typeof auth.accessToken !== 'string' || !auth.accessToken) throw new NotAuthenticated('Invalid authentication information');
  params.principal = principalOfToken(ctx, auth.accessToken);
  return params.principal;
}

/** The signed-in caller; `Not authenticated` without one. */
export function requirePrincipal(ctx: FeathersContext, params: CallParams): Principal {
  const p = principalOf(ctx, params);
  if (!p) throw new NotAuthenticated('Not authenticated');
  return p;
}

/** The token a sign-out ends: the REST call's or the socket connection's. */
export function tokenOfHeaderOrConnection(params: CallParams): string | undefined {
  const t = params.authentication?.accessToken;
  return typeof t === 'string' && t ? t : undefined;
}
