import { randomUUID } from 'node:crypto';
import type { Core } from '../../core/index.js';
import type { Account } from '../../core/accounts/accounts.js';
import type { AccessTokenKind } from '../../core/tokens/access.js';
import { signHs256, verifyHs256, type Claims } from '../../core/tokens/jwt.js';

/*
 * The Feathers access-token format, shared by two dialects: Feathers signs its sign-ins with it,
 * and simple's account page mints personal access tokens in it (the same tokens the Feathers
 * `auth_sessions` service creates), so a token made on either is one kind of bearer token.
 */

/** The JOSE header `typ` of Feathers access tokens (@feathersjs/authentication's default). */
export const ACCESS_TYP = 'access';
const INT_ID = /^[1-9]\d{0,9}$/;

/**
 * Feathers access tokens: HS256 with FEATHERS_JWT_SECRET, `typ: access`, `aud` and `iss` from
 * the configuration, `sub` the account's integer id as a string and a UUID `jti`, in the claim
 * order of the original's tokens.
 */
export function feathersAccess(core: Core): AccessTokenKind {
  const c = core.config;
  return core.access.kind({
    sign: ({ sub, ...claims }) => signHs256({ ...claims, aud: c.feathersJwtAudience, iss: c.feathersJwtIssuer, sub, jti: randomUUID() }, c.feathersJwtSecret, ACCESS_TYP),
    verify: (token, opts) => verifyHs256(token, c.feathersJwtSecret, { ...opts, issuer: c.feathersJwtIssuer, audience: c.feathersJwtAudience }),
    typ: [ACCESS_TYP],
    account: (claims) => (typeof claims.sub === 'string' && INT_ID.test(claims.sub) ? { id: Number(claims.sub) } : undefined),
  });
}

/** The claims of a Feathers access token for `user`: its global roles and groups as they are now. */
export async function claimsFor(rbac: Pick<Core['claims'], 'globalRoles' | 'groupsOf'>, user: Pick<Account, 'id'>): Promise<Claims> {
  const [global_roles, groups] = await Promise.all([rbac.globalRoles(user.id), rbac.groupsOf(user.id)]);
  return { global_roles, groups, sub: String(user.id) };
}
