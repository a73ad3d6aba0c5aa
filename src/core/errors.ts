import type { FederationErrorCode } from './federation/types.js';
import { StoreUnavailableError } from '../store/errors.js';

/** Domain failures. Each dialect turns a code into its own status and error envelope. */
export type CoreErrorCode =
  | 'invalid_credentials'
  | 'missing_credentials'
  | 'locked'
  | 'user_not_found'
  | 'user_inactive'
  | 'user_registered'
  | 'client_invalid'
  | 'client_not_allowed'
  | 'token_missing'
  | 'token_expired'
  | 'token_invalid'
  | 'token_revoked'
  | 'code_expired'
  | 'password_same'
  | 'password_incorrect'
  | 'password_weak'
  | 'taken'
  /** The record is still in use (a group type that groups have, a group that is some account's default). */
  | 'conflict'
  | 'not_found'
  | 'no_email'
  | 'forbidden'
  | 'invalid_input'
  | 'totp_missing'
  | 'totp_failed'
  | 'totp_disabled'
  | 'stipulations'
  /** Federated sign-in (core/federation/types.ts says what each means). */
  | FederationErrorCode;

export class CoreError extends Error {
  constructor(
    public readonly code: CoreErrorCode,
    message: string = code,
    public readonly detail: { retryAfter?: number; field?: string } = {},
  ) {
    super(message);
  }
}

export const fail = (code: CoreErrorCode, message?: string, detail?: CoreError['detail']): never => {
  throw new CoreError(code, message, detail);
};

/** A store the request needs is down for now (Redis): dialects answer 503 with this Retry-After. */
export const UNAVAILABLE_RETRY_AFTER_S = 5;
export const isUnavailable = (e: unknown): boolean => e instanceof StoreUnavailableError;
