import { BadRequest, Conflict, FeathersError, Forbidden, GeneralError, NotAuthenticated, NotFound, TooManyRequests, Unavailable } from '@feathersjs/errors';
import { CoreError, isUnavailable } from '../../core/errors.js';
import { FilterError } from '../../core/filter.js';
import { lockout } from '../shared/lockout.js';

/**
 * Every failure as a Feathers error object (`{name, message, code, className, data?, errors?}`),
 * the envelope both transports send. Core codes map to the class a Feathers server would raise;
 * anything unexpected becomes a GeneralError without its stack (Feathers' socket transport would
 * otherwise send the stack of a plain Error outside production).
 */
export function toFeathersError(e: unknown): FeathersError {
  if (e instanceof FeathersError) return e;
  const locked = lockout(e);
  if (locked) return new TooManyRequests(locked.message, { retryAfter: locked.retryAfter });
  if (e instanceof FilterError) return new BadRequest(e.message);
  if (e instanceof CoreError) {
    const data = e.detail.field ? { field: e.detail.field } : undefined;
    switch (e.code) {
      case 'invalid_credentials':
      case 'missing_credentials':
      case 'user_inactive':
      case 'user_not_found':
        return new NotAuthenticated('Invalid login');
      case 'totp_missing':
      case 'totp_failed':
        return new NotAuthenticated('Invalid login', { reason: e.message });
      case 'token_missing':
      case 'token_expired':
      case 'token_invalid':
      case 'token_revoked':
      case 'code_expired':
        return new NotAuthenticated(e.message);
      case 'forbidden':
      case 'client_not_allowed':
        return new Forbidden(e.message);
      case 'not_found':
        return new NotFound(e.message);
      case 'taken':
      case 'conflict':
        return new Conflict(e.message, data);
      case 'password_incorrect':
        return new BadRequest('Incorrect password', data);
      default:
        return new BadRequest(e.message, data);
    }
  }
  if (isUnavailable(e)) return new Unavailable('Service unavailable, try again shortly');
  return new GeneralError('Internal error');
}

/** Whether the error is ours to report as a server fault (logged), not the caller's. */
export const isServerFault = (e: FeathersError) => e.code >= 500;
