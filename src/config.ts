import { readFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';

/** One typed configuration: defaults < config file (GATEHOUSE_CONFIG, JSON) < environment. */
export interface Config {
  host: string;
  port: number;
  databaseUrl: string;
  dataDir: string;
  logLevel: string;
  publicUrl: string;
  trustProxy: boolean;
  /** HS256 key of access, reset and sign-up tokens (ARC's JWT_SECRET). */
  jwtSecret: string;
  jwtIssuer: string;
  /** Key that encrypts client and TOTP secrets at rest. */
  secretKey: string;
  adminUsername: string;
  adminPassword: string | undefined;
  locale: string;
  smtpUrl: string | undefined;
  mailFrom: string;
  forgotPasswordLinkExpiry: number;
  requestSignupLinkExpiry: number;
  resetPasswordUrl: string;
  signupUrl: string;
  otpTtlSeconds: number;
  basicAccessMinutes: number;
  basicRefreshMinutes: number;
  hashMemoryKib: number;
  hashIterations: number;
  hashParallelism: number;
  loginMaxFailures: number;
  loginLockoutSeconds: number;
  loginMaxFailuresPerIp: number;
}

type Spec = { env: string; def: (c: Partial<Config>) => unknown; kind: 'string' | 'number' | 'boolean' | 'optional' };

/** Every setting, its environment variable and its default; README's table mirrors this list. */
export const SETTINGS: Record<keyof Config, Spec> = {
  host: { env: 'HOST', def: () => '0.0.0.0', kind: 'string' },
  port: { env: 'PORT', def: () => 8080, kind: 'number' },
  databaseUrl: { env: 'DATABASE_URL', def: () => 'sqlite:./data/gatehouse.db', kind: 'string' },
  dataDir: { env: 'GATEHOUSE_DATA_DIR', def: () => './data', kind: 'string' },
  logLevel: { env: 'LOG_LEVEL', def: () => 'info', kind: 'string' },
  publicUrl: { env: 'PUBLIC_URL', def: (c) => `http://localhost:${c.port ?? 8080}`, kind: 'string' },
  trustProxy: { env: 'TRUST_PROXY', def: () => false, kind: 'boolean' },
  jwtSecret: { env: 'JWT_SECRET', def: () => '', kind: 'string' },
  jwtIssuer: { env: 'JWT_ISSUER', def: () => 'gatehouse', kind: 'string' },
  secretKey: { env: 'GATEHOUSE_SECRET_KEY', def: () => '', kind: 'string' },
  adminUsername: { env: 'GATEHOUSE_ADMIN_USERNAME', def: () => 'admin', kind: 'string' },
  adminPassword: { env: 'GATEHOUSE_ADMIN_PASSWORD', def: () => undefined, kind: 'optional' },
  locale: { env: 'LOCALE', def: () => 'en', kind: 'string' },
  smtpUrl: { env: 'SMTP_URL', def: () => undefined, kind: 'optional' },
  mailFrom: { env: 'MAIL_FROM', def: () => 'Gatehouse <no-reply@localhost>', kind: 'string' },
  forgotPasswordLinkExpiry: { env: 'FORGOT_PASSWORD_LINK_EXPIRY', def: () => 1800, kind: 'number' },
  requestSignupLinkExpiry: { env: 'REQUEST_SIGNUP_LINK_EXPIRY', def: () => 1800, kind: 'number' },
  resetPasswordUrl: { env: 'RESET_PASSWORD_URL', def: (c) => `${c.publicUrl}/reset-password?token={token}`, kind: 'string' },
  signupUrl: { env: 'SIGNUP_URL', def: (c) => `${c.publicUrl}/sign-up?code={token}`, kind: 'string' },
  otpTtlSeconds: { env: 'OTP_TTL_SECONDS', def: () => 900, kind: 'number' },
  basicAccessMinutes: { env: 'JWT_EXPIRE_ACCESS', def: () => 30, kind: 'number' },
  basicRefreshMinutes: { env: 'JWT_EXPIRE_REFRESH', def: () => 43200, kind: 'number' },
  hashMemoryKib: { env: 'PASSWORD_HASH_MEMORY_KIB', def: () => 19456, kind: 'number' },
  hashIterations: { env: 'PASSWORD_HASH_ITERATIONS', def: () => 2, kind: 'number' },
  hashParallelism: { env: 'PASSWORD_HASH_PARALLELISM', def: () => 1, kind: 'number' },
  loginMaxFailures: { env: 'LOGIN_MAX_FAILURES', def: () => 5, kind: 'number' },
  loginLockoutSeconds: { env: 'LOGIN_LOCKOUT_SECONDS', def: () => 900, kind: 'number' },
  loginMaxFailuresPerIp: { env: 'LOGIN_MAX_FAILURES_PER_IP', def: () => 100, kind: 'number' },
};

export class ConfigError extends Error {}

function coerce(key: string, spec: Spec, raw: unknown): unknown {
  if (raw === undefined || raw === null || raw === '') return undefined;
  switch (spec.kind) {
    case 'number': {
      const n = typeof raw === 'number' ? raw : Number(String(raw));
      if (!Number.isFinite(n) || n < 0) throw new ConfigError(`${key} (${spec.env}) must be a non-negative number`);
      return n;
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      return ['1', 'true', 'yes', 'on'].includes(String(raw).toLowerCase());
    default:
      return String(raw);
  }
}

/** Builds the configuration. `overrides` win over everything (tests and the CLI use it). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  let file: Record<string, unknown> = {};
  const path = env.GATEHOUSE_CONFIG;
  if (path) {
    try {
      file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(`cannot read config file ${path}: ${(e as Error).message}`);
    }
  }
  const out: Partial<Config> = {};
  for (const [key, spec] of Object.entries(SETTINGS) as [keyof Config, Spec][]) {
    const value =
      (overrides as Record<string, unknown>)[key] ??
      coerce(key, spec, env[spec.env]) ??
      coerce(key, spec, file[key]) ??
      spec.def(out);
    (out as Record<string, unknown>)[key] = value;
  }
  const config = out as Config;
  if (!config.jwtSecret) config.jwtSecret = persistedSecret(config, 'jwt-secret');
  if (!config.secretKey) config.secretKey = persistedSecret(config, 'secret-key');
  return config;
}

/**
 * Embedded installs need no set-up, so missing keys are generated once and kept in the data
 * directory; a cluster must set them in the environment so every node agrees.
 */
function persistedSecret(config: Config, name: string): string {
  const file = join(resolve(config.dataDir), name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = randomBytes(32).toString('base64url');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, value + '\n', { mode: 0o600 });
  return value;
}
