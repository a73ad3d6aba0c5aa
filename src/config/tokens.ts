import type { Config } from './index.js';
import type { Spec } from './settings.js';

/** Keys and lifetimes of the tokens and links ARC and basic issue (their original variables). */
export interface TokensConfig {
  /** HS256 key of access, reset and sign-up tokens (ARC's JWT_SECRET). */
  jwtSecret: string;
  jwtIssuer: string;
  /** Key that encrypts client and TOTP secrets at rest. */
  secretKey: string;
  forgotPasswordLinkExpiry: number;
  requestSignupLinkExpiry: number;
  resetPasswordUrl: string;
  signupUrl: string;
  otpTtlSeconds: number;
  basicAccessMinutes: number;
  basicRefreshMinutes: number;
}

export const TOKENS_SETTINGS: { [K in keyof TokensConfig]: Spec<Config> } = {
  jwtSecret: { env: 'JWT_SECRET', def: () => '', kind: 'string' },
  jwtIssuer: { env: 'JWT_ISSUER', def: () => 'gatehouse', kind: 'string' },
  secretKey: { env: 'GATEHOUSE_SECRET_KEY', def: () => '', kind: 'string' },
  forgotPasswordLinkExpiry: { env: 'FORGOT_PASSWORD_LINK_EXPIRY', def: () => 1800, kind: 'number' },
  requestSignupLinkExpiry: { env: 'REQUEST_SIGNUP_LINK_EXPIRY', def: () => 1800, kind: 'number' },
  resetPasswordUrl: { env: 'RESET_PASSWORD_URL', def: (c) => `${c.publicUrl}/reset-password?token={token}`, kind: 'string' },
  signupUrl: { env: 'SIGNUP_URL', def: (c) => `${c.publicUrl}/sign-up?code={token}`, kind: 'string' },
  otpTtlSeconds: { env: 'OTP_TTL_SECONDS', def: () => 900, kind: 'number' },
  basicAccessMinutes: { env: 'JWT_EXPIRE_ACCESS', def: () => 30, kind: 'number' },
  basicRefreshMinutes: { env: 'JWT_EXPIRE_REFRESH', def: () => 43200, kind: 'number' },
};
