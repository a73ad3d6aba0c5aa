import type { Account } from '../../../core/accounts/accounts.js';
import { userView } from '../services/users/view.js';

/**
 * The authentication result of @feathersjs/authentication, in the original's key order, plus
 * the top-level `refreshToken` the original added (absent when the token belongs to no stored
 * session, as a personal access token).
 */
export function authResult(o: { strategy: string; accessToken: string; payload: Record<string, unknown>; user: Account; refreshToken?: string; echoToken: boolean }) {
  return {
    accessToken: o.accessToken,
    authentication: o.echoToken ? { accessToken: o.accessToken, strategy: o.strategy, payload: o.payload } : { strategy: o.strategy, payload: o.payload },
    user: userView(o.user),
    ...(o.refreshToken ? { refreshToken: o.refreshToken } : {}),
  };
}
export type AuthResult = ReturnType<typeof authResult>;
