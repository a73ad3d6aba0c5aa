import type { Config } from './index.js';
import type { Spec } from './settings.js';

/** The feathers dialect: its access tokens, sign-up, pagination and one-time codes. */
export interface FeathersConfig {
  /** HS256 key of Feathers access tokens (default: JWT_SECRET). */
  feathersJwtSecret: string;
  feathersJwtIssuer: string;
  feathersJwtAudience: string;
  feathersAccessSeconds: number;
  feathersRefreshSeconds: number;
  /** Whether anyone may create a user (`POST /users`, decision 15). */
  feathersSignupEnabled: boolean;
  feathersPaginateDefault: number;
  feathersPaginateMax: number;
  /** Lifetimes of the codes of `/otp`, `/verify` and `/recover`. */
  feathersOtpSeconds: number;
  feathersVerifySeconds: number;
  feathersRecoverSeconds: number;
  /**
   * Where `GET /oauth/:provider?app_url=…` may send the browser back: origins (any path) or
   * origin-and-path prefixes. Default: the origin of publicUrl only.
   */
  feathersOAuthAppUrls: string[];
}

/** The origin of a URL setting, or the setting itself when it is no URL (then no app_url will match it). */
function originOf(url: string | undefined): string {
  try {
    return new URL(url ?? '').origin;
  } catch {
    return String(url);
  }
}

export const FEATHERS_SETTINGS: { [K in keyof FeathersConfig]: Spec<Config> } = {
  feathersJwtSecret: { env: 'FEATHERS_JWT_SECRET', def: () => '', kind: 'string' },
  feathersJwtIssuer: { env: 'FEATHERS_JWT_ISSUER', def: (c) => c.jwtIssuer, kind: 'string' },
  feathersJwtAudience: { env: 'FEATHERS_JWT_AUDIENCE', def: () => 'localhost', kind: 'string' },
  feathersAccessSeconds: { env: 'FEATHERS_JWT_EXPIRES_SECONDS', def: () => 86_400, kind: 'number' },
  feathersRefreshSeconds: { env: 'FEATHERS_REFRESH_EXPIRES_SECONDS', def: () => 30 * 86_400, kind: 'number' },
  feathersSignupEnabled: { env: 'FEATHERS_SIGNUP_ENABLED', def: () => true, kind: 'boolean' },
  feathersPaginateDefault: { env: 'FEATHERS_PAGINATE_DEFAULT', def: () => 10, kind: 'number' },
  feathersPaginateMax: { env: 'FEATHERS_PAGINATE_MAX', def: () => 50, kind: 'number' },
  feathersOtpSeconds: { env: 'FEATHERS_OTP_EXPIRES_SECONDS', def: () => 600, kind: 'number' },
  feathersVerifySeconds: { env: 'FEATHERS_VERIFY_EXPIRES_SECONDS', def: () => 86_400, kind: 'number' },
  feathersRecoverSeconds: { env: 'FEATHERS_RECOVER_EXPIRES_SECONDS', def: () => 3600, kind: 'number' },
  feathersOAuthAppUrls: { env: 'FEATHERS_OAUTH_APP_URLS', def: (c) => [originOf(c.publicUrl)], kind: 'list' },
};
