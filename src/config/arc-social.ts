import type { Config } from './index.js';
import type { Spec } from './settings.js';

/** The arc dialect's social logins (`/auth/google`…); the providers themselves are federation settings. */
export interface ArcSocialConfig {
  /**
   * Whether a social sign-in by someone with no account creates one (allowed on the client it
   * came through). The original's default sign-up provider refused them: 401 Invalid Credentials.
   */
  arcSocialSignupEnabled: boolean;
  /** Prefix of the Apple callback's redirect (the original's `WEBAPP_URL`), before the client's redirectUrl. */
  arcWebappUrl: string;
}

export const ARC_SOCIAL_SETTINGS: { [K in keyof ArcSocialConfig]: Spec<Config> } = {
  arcSocialSignupEnabled: { env: 'ARC_SOCIAL_SIGNUP_ENABLED', def: () => false, kind: 'boolean' },
  arcWebappUrl: { env: 'WEBAPP_URL', def: () => '', kind: 'string' },
};
