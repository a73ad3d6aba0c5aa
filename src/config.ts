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
  /** CSP `frame-ancestors` sources of the hosted pages: who may frame them (`'none'`: nobody). */
  frameAncestors: string;
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
  /** Self-service registrations per client address per window (0 = off). */
  registerMaxPerIp: number;
  registerWindowSeconds: number;
  /** Mails anyone can trigger (reset, sign-up, one-time login): per recipient and kind, and per client address, per window (0 = off). */
  mailMaxPerRecipient: number;
  mailMaxPerIp: number;
  mailWindowSeconds: number;
  basicAccessMinutes: number;
  basicRefreshMinutes: number;
  hashMemoryKib: number;
  hashIterations: number;
  hashParallelism: number;
  loginMaxFailures: number;
  loginLockoutSeconds: number;
  loginMaxFailuresPerIp: number;
  loginTrustSeconds: number;
  // simple dialect (zix99/simple-auth); environment variables are the original's SA_* names.
  simpleBaseUrl: string;
  simpleCompany: string;
  simpleRouteOnLogin: string;
  simpleAllowedContinueUrls: string[];
  simpleCookieName: string;
  simpleCookiePath: string;
  simpleCookieDomain: string | undefined;
  simpleCookieSecure: boolean;
  simpleCookieHttpOnly: boolean;
  simpleCookieSigningMethod: string;
  /** HS key (text) or RS key (PEM private key) of the session cookie. */
  simpleCookieSigningKey: string;
  simpleCookieIssuer: string;
  simpleCookieExpiresMinutes: number;
  simpleOnetimeEnabled: boolean;
  simpleOnetimeAllowForgotPassword: boolean;
  /** Seconds; the config accepts Go durations such as `1h`. */
  simpleOnetimeDuration: number;
  simpleCreateAccountEnabled: boolean;
  simpleEmailValidationRequired: boolean;
  simpleUsernameRegex: string;
  simpleUsernameMinLength: number;
  simpleUsernameMaxLength: number;
  simplePasswordMinLength: number;
  simplePasswordMaxLength: number;
  simpleTwoFactorEnabled: boolean;
  simpleTwoFactorKeyLength: number;
  simpleTwoFactorDrift: number;
  simpleTwoFactorIssuer: string;
  simpleAuthEnabled: boolean;
  simpleAuthSecret: string | undefined;
  vouchEnabled: boolean;
  vouchUserHeader: string;
  apiExternal: boolean;
  apiSharedSecret: string;
  oauth2WebGrant: boolean;
  oauth2CodeExpiresSeconds: number;
  oauth2TokenExpiresSeconds: number;
  oauth2CodeLength: number;
  oauth2AllowAutoGrant: boolean;
  oauth2ReuseToken: boolean;
  oauth2AllowCredentials: boolean;
  oauth2AllowClientCredentials: boolean;
  oauth2Issuer: string;
  oauth2IssueRefreshToken: boolean;
  oauth2RevokeOldTokens: boolean;
  /** OAuth2 clients keyed by client_id, in the original's shape (config file only). */
  oauth2Clients: Record<string, unknown>;
}

type Spec = { env: string; def: (c: Partial<Config>) => unknown; kind: 'string' | 'number' | 'boolean' | 'optional' | 'list' | 'duration' | 'object' };

/** Every setting, its environment variable and its default; README's table mirrors this list. */
export const SETTINGS: Record<keyof Config, Spec> = {
  host: { env: 'HOST', def: () => '0.0.0.0', kind: 'string' },
  port: { env: 'PORT', def: () => 8080, kind: 'number' },
  databaseUrl: { env: 'DATABASE_URL', def: () => 'sqlite:./data/gatehouse.db', kind: 'string' },
  dataDir: { env: 'GATEHOUSE_DATA_DIR', def: () => './data', kind: 'string' },
  logLevel: { env: 'LOG_LEVEL', def: () => 'info', kind: 'string' },
  publicUrl: { env: 'PUBLIC_URL', def: (c) => `http://localhost:${c.port ?? 8080}`, kind: 'string' },
  trustProxy: { env: 'TRUST_PROXY', def: () => false, kind: 'boolean' },
  frameAncestors: { env: 'FRAME_ANCESTORS', def: () => "'none'", kind: 'string' },
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
  registerMaxPerIp: { env: 'REGISTER_MAX_PER_IP', def: () => 30, kind: 'number' },
  registerWindowSeconds: { env: 'REGISTER_WINDOW_SECONDS', def: () => 600, kind: 'number' },
  mailMaxPerRecipient: { env: 'MAIL_MAX_PER_RECIPIENT', def: () => 5, kind: 'number' },
  mailMaxPerIp: { env: 'MAIL_MAX_PER_IP', def: () => 20, kind: 'number' },
  mailWindowSeconds: { env: 'MAIL_WINDOW_SECONDS', def: () => 900, kind: 'number' },
  basicAccessMinutes: { env: 'JWT_EXPIRE_ACCESS', def: () => 30, kind: 'number' },
  basicRefreshMinutes: { env: 'JWT_EXPIRE_REFRESH', def: () => 43200, kind: 'number' },
  hashMemoryKib: { env: 'PASSWORD_HASH_MEMORY_KIB', def: () => 19456, kind: 'number' },
  hashIterations: { env: 'PASSWORD_HASH_ITERATIONS', def: () => 2, kind: 'number' },
  hashParallelism: { env: 'PASSWORD_HASH_PARALLELISM', def: () => 1, kind: 'number' },
  loginMaxFailures: { env: 'LOGIN_MAX_FAILURES', def: () => 5, kind: 'number' },
  loginLockoutSeconds: { env: 'LOGIN_LOCKOUT_SECONDS', def: () => 900, kind: 'number' },
  loginMaxFailuresPerIp: { env: 'LOGIN_MAX_FAILURES_PER_IP', def: () => 100, kind: 'number' },
  loginTrustSeconds: { env: 'LOGIN_TRUST_SECONDS', def: () => 30 * 86_400, kind: 'number' },
  simpleBaseUrl: { env: 'SA_WEB_BASEURL', def: (c) => c.publicUrl, kind: 'string' },
  simpleCompany: { env: 'SA_METADATA_COMPANY', def: () => 'Gatehouse', kind: 'string' },
  simpleRouteOnLogin: { env: 'SA_WEB_LOGIN_SETTINGS_ROUTEONLOGIN', def: () => '', kind: 'string' },
  simpleAllowedContinueUrls: { env: 'SA_WEB_LOGIN_SETTINGS_ALLOWEDCONTINUEURLS', def: () => [], kind: 'list' },
  simpleCookieName: { env: 'SA_WEB_LOGIN_COOKIE_NAME', def: () => 'auth', kind: 'string' },
  simpleCookiePath: { env: 'SA_WEB_LOGIN_COOKIE_PATH', def: () => '/', kind: 'string' },
  simpleCookieDomain: { env: 'SA_WEB_LOGIN_COOKIE_DOMAIN', def: () => undefined, kind: 'optional' },
  simpleCookieSecure: { env: 'SA_WEB_LOGIN_COOKIE_SECUREONLY', def: () => false, kind: 'boolean' },
  simpleCookieHttpOnly: { env: 'SA_WEB_LOGIN_COOKIE_HTTPONLY', def: () => true, kind: 'boolean' },
  simpleCookieSigningMethod: { env: 'SA_WEB_LOGIN_COOKIE_JWT_SIGNINGMETHOD', def: () => 'HS256', kind: 'string' },
  simpleCookieSigningKey: { env: 'SA_WEB_LOGIN_COOKIE_JWT_SIGNINGKEY', def: () => '', kind: 'string' },
  simpleCookieIssuer: { env: 'SA_WEB_LOGIN_COOKIE_JWT_ISSUER', def: () => 'simple-auth', kind: 'string' },
  simpleCookieExpiresMinutes: { env: 'SA_WEB_LOGIN_COOKIE_JWT_EXPIRESMINUTES', def: () => 30, kind: 'number' },
  simpleOnetimeEnabled: { env: 'SA_WEB_LOGIN_ONETIME_ENABLED', def: () => true, kind: 'boolean' },
  simpleOnetimeAllowForgotPassword: { env: 'SA_WEB_LOGIN_ONETIME_ALLOWFORGOTPASSWORD', def: () => false, kind: 'boolean' },
  simpleOnetimeDuration: { env: 'SA_WEB_LOGIN_ONETIME_TOKENDURATION', def: () => 3600, kind: 'duration' },
  simpleCreateAccountEnabled: { env: 'SA_PROVIDERS_SETTINGS_CREATEACCOUNTENABLED', def: () => true, kind: 'boolean' },
  simpleEmailValidationRequired: { env: 'SA_PROVIDERS_LOCAL_EMAILVALIDATIONREQUIRED', def: () => false, kind: 'boolean' },
  simpleUsernameRegex: { env: 'SA_PROVIDERS_LOCAL_REQUIREMENTS_USERNAMEREGEX', def: () => '^[a-z][a-z0-9.]+$', kind: 'string' },
  simpleUsernameMinLength: { env: 'SA_PROVIDERS_LOCAL_REQUIREMENTS_USERNAMEMINLENGTH', def: () => 5, kind: 'number' },
  simpleUsernameMaxLength: { env: 'SA_PROVIDERS_LOCAL_REQUIREMENTS_USERNAMEMAXLENGTH', def: () => 20, kind: 'number' },
  simplePasswordMinLength: { env: 'SA_PROVIDERS_LOCAL_REQUIREMENTS_PASSWORDMINLENGTH', def: () => 3, kind: 'number' },
  simplePasswordMaxLength: { env: 'SA_PROVIDERS_LOCAL_REQUIREMENTS_PASSWORDMAXLENGTH', def: () => 30, kind: 'number' },
  simpleTwoFactorEnabled: { env: 'SA_PROVIDERS_LOCAL_TWOFACTOR_ENABLED', def: () => false, kind: 'boolean' },
  simpleTwoFactorKeyLength: { env: 'SA_PROVIDERS_LOCAL_TWOFACTOR_KEYLENGTH', def: () => 12, kind: 'number' },
  simpleTwoFactorDrift: { env: 'SA_PROVIDERS_LOCAL_TWOFACTOR_DRIFT', def: () => 2, kind: 'number' },
  simpleTwoFactorIssuer: { env: 'SA_PROVIDERS_LOCAL_TWOFACTOR_ISSUER', def: () => 'simple-auth', kind: 'string' },
  simpleAuthEnabled: { env: 'SA_AUTHENTICATORS_SIMPLE_ENABLED', def: () => false, kind: 'boolean' },
  simpleAuthSecret: { env: 'SA_AUTHENTICATORS_SIMPLE_SHAREDSECRET', def: () => undefined, kind: 'optional' },
  vouchEnabled: { env: 'SA_AUTHENTICATORS_VOUCH_ENABLED', def: () => false, kind: 'boolean' },
  vouchUserHeader: { env: 'SA_AUTHENTICATORS_VOUCH_USERHEADER', def: () => '', kind: 'string' },
  apiExternal: { env: 'SA_API_EXTERNAL', def: () => false, kind: 'boolean' },
  apiSharedSecret: { env: 'SA_API_SHAREDSECRET', def: () => '', kind: 'string' },
  oauth2WebGrant: { env: 'SA_AUTHENTICATORS_OAUTH2_WEBGRANT', def: () => true, kind: 'boolean' },
  oauth2CodeExpiresSeconds: { env: 'SA_AUTHENTICATORS_OAUTH2_SETTINGS_CODEEXPIRESSECONDS', def: () => 60, kind: 'number' },
  oauth2TokenExpiresSeconds: { env: 'SA_AUTHENTICATORS_OAUTH2_SETTINGS_TOKENEXPIRESSECONDS', def: () => 21600, kind: 'number' },
  oauth2CodeLength: { env: 'SA_AUTHENTICATORS_OAUTH2_SETTINGS_CODELENGTH', def: () => 6, kind: 'number' },
  oauth2AllowAutoGrant: { env: 'SA_AUTHENTICATORS_OAUTH2_SETTINGS_ALLOWAUTOGRANT', def: () => true, kind: 'boolean' },
  oauth2ReuseToken: { env: 'SA_AUTHENTICATORS_OAUTH2_SETTINGS_REUSETOKEN', def: () => true, kind: 'boolean' },
  oauth2AllowCredentials: { env: 'SA_AUTHENTICATORS_OAUTH2_SETTINGS_ALLOWCREDENTIALS', def: () => false, kind: 'boolean' },
  oauth2AllowClientCredentials: { env: 'SA_AUTHENTICATORS_OAUTH2_SETTINGS_ALLOWCLIENTCREDENTIALS', def: () => false, kind: 'boolean' },
  oauth2Issuer: { env: 'SA_AUTHENTICATORS_OAUTH2_SETTINGS_ISSUER', def: () => 'simple-auth', kind: 'string' },
  oauth2IssueRefreshToken: { env: 'SA_AUTHENTICATORS_OAUTH2_SETTINGS_ISSUEREFRESHTOKEN', def: () => false, kind: 'boolean' },
  oauth2RevokeOldTokens: { env: 'SA_AUTHENTICATORS_OAUTH2_SETTINGS_REVOKEOLDTOKENS', def: () => true, kind: 'boolean' },
  oauth2Clients: { env: '', def: () => ({}), kind: 'object' },
};

const DURATION_UNITS: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };

/** Seconds from a number of seconds or a Go duration (`1h`, `1h30m`, `90s`), as the original's config. */
function parseDuration(raw: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(raw)) return Number(raw);
  const parts = [...raw.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== raw) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * (DURATION_UNITS[p[2] as string] ?? 0), 0);
}

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
      return ['1', 't', 'true', 'yes', 'on'].includes(String(raw).toLowerCase());
    case 'list':
      if (Array.isArray(raw)) return raw.map(String);
      return String(raw).split(',').map((v) => v.trim()).filter(Boolean);
    case 'duration': {
      const n = typeof raw === 'number' ? raw : parseDuration(String(raw).trim());
      if (n === undefined || !Number.isFinite(n) || n < 0) throw new ConfigError(`${key} (${spec.env}) must be seconds or a duration such as 1h or 30m`);
      return n;
    }
    case 'object':
      if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${key} must be an object`);
      return raw;
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
      (spec.env ? coerce(key, spec, env[spec.env]) : undefined) ??
      coerce(key, spec, file[key]) ??
      spec.def(out);
    (out as Record<string, unknown>)[key] = value;
  }
  const config = out as Config;
  if (!config.jwtSecret) config.jwtSecret = persistedSecret(config, 'jwt-secret');
  if (!config.secretKey) config.secretKey = persistedSecret(config, 'secret-key');
  // The original refuses sessions without a key; an embedded install gets one generated instead.
  if (!config.simpleCookieSigningKey && /^HS/i.test(config.simpleCookieSigningMethod)) config.simpleCookieSigningKey = persistedSecret(config, 'session-key');
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
  // Owner only: whoever reads these keys can forge every token and open every stored secret.
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, value + '\n', { mode: 0o600, flag: 'wx' });
  } catch (e) {
    // Another process (the CLI beside the server) wrote it first: use theirs.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw e;
  }
  return value;
}
