import { CoreError, type CoreErrorCode } from '../errors.js';

/**
 * An OAuth2 error (RFC 6749 §5.2): `error` and `error_description`; each dialect picks the
 * status and the envelope. `counted` errors are guesses (a wrong client secret, a wrong code)
 * and count in the login throttle, which keeps CoreError code `invalid_credentials` for those.
 * `because` carries the core failure behind a refused sign-in (the password grant), so that a
 * dialect can word the description its own way.
 */
export class OAuthError extends CoreError {
  constructor(
    public readonly error: string,
    public readonly description: string,
    counted = false,
    public readonly because?: CoreErrorCode,
  ) {
    super(counted ? 'invalid_credentials' : 'invalid_input', description);
  }
}

export const oauthFail = (error: string, description: string, counted = false): never => {
  throw new OAuthError(error, description, counted);
};
