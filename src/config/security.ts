import type { Config } from './index.js';
import type { Spec } from './settings.js';

/** Password hashing, sign-in throttling and the quotas on what anyone can trigger (README "Sign-in throttling"). */
export interface SecurityConfig {
  hashMemoryKib: number;
  hashIterations: number;
  hashParallelism: number;
  loginMaxFailures: number;
  loginLockoutSeconds: number;
  loginMaxFailuresPerIp: number;
  loginTrustSeconds: number;
  /** Self-service registrations per client address per window (0 = off). */
  registerMaxPerIp: number;
  registerWindowSeconds: number;
  /** Mails anyone can trigger (reset, sign-up, one-time login): per recipient and kind, and per client address, per window (0 = off). */
  mailMaxPerRecipient: number;
  mailMaxPerIp: number;
  mailWindowSeconds: number;
}

export const SECURITY_SETTINGS: { [K in keyof SecurityConfig]: Spec<Config> } = {
  hashMemoryKib: { env: 'PASSWORD_HASH_MEMORY_KIB', def: () => 19456, kind: 'number' },
  hashIterations: { env: 'PASSWORD_HASH_ITERATIONS', def: () => 2, kind: 'number' },
  hashParallelism: { env: 'PASSWORD_HASH_PARALLELISM', def: () => 1, kind: 'number' },
  loginMaxFailures: { env: 'LOGIN_MAX_FAILURES', def: () => 5, kind: 'number' },
  loginLockoutSeconds: { env: 'LOGIN_LOCKOUT_SECONDS', def: () => 900, kind: 'number' },
  loginMaxFailuresPerIp: { env: 'LOGIN_MAX_FAILURES_PER_IP', def: () => 100, kind: 'number' },
  loginTrustSeconds: { env: 'LOGIN_TRUST_SECONDS', def: () => 30 * 86_400, kind: 'number' },
  registerMaxPerIp: { env: 'REGISTER_MAX_PER_IP', def: () => 30, kind: 'number' },
  registerWindowSeconds: { env: 'REGISTER_WINDOW_SECONDS', def: () => 600, kind: 'number' },
  mailMaxPerRecipient: { env: 'MAIL_MAX_PER_RECIPIENT', def: () => 5, kind: 'number' },
  mailMaxPerIp: { env: 'MAIL_MAX_PER_IP', def: () => 20, kind: 'number' },
  mailWindowSeconds: { env: 'MAIL_WINDOW_SECONDS', def: () => 900, kind: 'number' },
};
