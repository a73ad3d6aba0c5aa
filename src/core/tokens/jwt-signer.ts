import { randomBytes } from 'node:crypto';
import type { Config } from '../../config/index.js';
import { signHs256, verifyHs256, type Claims, type VerifyOptions } from './jwt.js';

/**
 * Tokens signed with JWT_SECRET and JWT_ISSUER; `typ` keeps kinds (access, reset, sign-up) apart.
 * Both are read on each call, as before the move, so the signer follows the config object.
 */
export function jwtSigner(config: Pick<Config, 'jwtSecret' | 'jwtIssuer'>) {
  return {
    // A random jti keeps two tokens minted in the same second for the same user apart:
    // they are revoked, paired and stored (hashed) one by one.
    sign: (claims: Claims, typ = 'JWT') => signHs256({ ...claims, jti: randomBytes(12).toString('base64url'), iss: config.jwtIssuer }, config.jwtSecret, typ),
    verify: (token: string, opts: Omit<VerifyOptions, 'issuer'> = {}) => verifyHs256(token, config.jwtSecret, { ...opts, issuer: config.jwtIssuer }),
  };
}
export type JwtSigner = ReturnType<typeof jwtSigner>;
