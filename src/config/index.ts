import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { coerce, ConfigError, type Spec } from './settings.js';
import { makeDir } from '../util/dirs.js';
import { closest } from '../util/closest.js';
import { SERVER_SETTINGS, type ServerConfig } from './server.js';
import { TOKENS_SETTINGS, type TokensConfig } from './tokens.js';
import { NOTIFY_SETTINGS, type NotifyConfig } from './notify.js';
import { SECURITY_SETTINGS, type SecurityConfig } from './security.js';
import { SIMPLE_SETTINGS, type SimpleConfig } from './simple.js';
import { OAUTH2_SETTINGS, type OAuth2Config } from './oauth2.js';
import { FEATHERS_SETTINGS, type FeathersConfig } from './feathers.js';
import { FEDERATION_SETTINGS, type FederationConfig } from './federation.js';
import { ARC_SOCIAL_SETTINGS, type ArcSocialConfig } from './arc-social.js';
import { OBSERVABILITY_SETTINGS, type ObservabilityConfig } from './observability.js';
import { CLUSTER_SETTINGS, type ClusterConfig } from './cluster.js';
import { WEB_SETTINGS, checkWebConfig, type WebConfig } from './web.js';

export { ConfigError };
export type { ServerConfig, TokensConfig, NotifyConfig, SecurityConfig, SimpleConfig, OAuth2Config, FeathersConfig, FederationConfig, ArcSocialConfig, ObservabilityConfig, ClusterConfig };

/**
 * One typed configuration: defaults < config file (GATEHOUSE_CONFIG, JSON) < environment. Each
 * area declares its settings in a file of its own (a typed section); a module that needs one
 * area can ask for that section's type. The keys stay flat, as the config file and the README
 * name them, so that files written for earlier versions keep working.
 */
export interface Config extends ServerConfig, TokensConfig, NotifyConfig, SecurityConfig, SimpleConfig, OAuth2Config, FeathersConfig, FederationConfig, ArcSocialConfig, ObservabilityConfig, ClusterConfig, WebConfig {}

/**
 * Every setting, its environment variable and its default; README's tables mirror this list.
 * Sections come in this order because defaults may use earlier settings (publicUrl → links).
 */
export const SETTINGS: Record<keyof Config, Spec<Config>> = {
  ...SERVER_SETTINGS,
  ...TOKENS_SETTINGS,
  ...NOTIFY_SETTINGS,
  ...SECURITY_SETTINGS,
  ...SIMPLE_SETTINGS,
  ...OAUTH2_SETTINGS,
  ...FEATHERS_SETTINGS,
  ...FEDERATION_SETTINGS,
  ...ARC_SOCIAL_SETTINGS,
  ...OBSERVABILITY_SETTINGS,
  ...CLUSTER_SETTINGS,
  ...WEB_SETTINGS,
};

/**
 * Builds the configuration. `overrides` win over everything and are taken as they are (tests
 * and the CLI pass typed values); the environment and the config file are checked: an unknown
 * key in the file or a malformed value throws a ConfigError whose message names it.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const path = env.GATEHOUSE_CONFIG;
  const file = path ? readConfigFile(path) : {};
  const out: Partial<Config> = {};
  /** Where each checked value came from, as an error names it. */
  const from: Partial<Record<keyof Config, string>> = {};
  for (const [key, spec] of Object.entries(SETTINGS) as [keyof Config, Spec<Config>][]) {
    // Both sources are checked even when one wins: a broken entry is reported, not hidden.
    const fromFile = coerce(spec, file[key], `config file ${path}: ${key}`);
    const fromEnv = spec.env ? coerce(spec, env[spec.env], spec.env) : undefined;
    let value = (overrides as Record<string, unknown>)[key];
    if (value === undefined && fromEnv !== undefined) [value, from[key]] = [fromEnv, spec.env];
    if (value === undefined && fromFile !== undefined) [value, from[key]] = [fromFile, `config file ${path}: ${key}`];
    (out as Record<string, unknown>)[key] = value ?? spec.def(out);
  }
  const config = out as Config;
  checkValues(config, from);
  if (!config.jwtSecret) config.jwtSecret = persistedSecret(config, 'jwt-secret');
  if (!config.secretKey) config.secretKey = persistedSecret(config, 'secret-key');
  if (!config.feathersJwtSecret) config.feathersJwtSecret = config.jwtSecret;
  // The original refuses sessions without a key; an embedded install gets one generated instead.
  if (!config.simpleCookieSigningKey && /^HS/i.test(config.simpleCookieSigningMethod)) config.simpleCookieSigningKey = persistedSecret(config, 'session-key');
  return config;
}

/** Keys a config file may hold besides the settings: `$schema`, for editors. */
const FILE_EXTRAS = ['$schema'];

/** The config file as an object whose every key is a setting (the first unknown one is named). */
function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new ConfigError(`cannot read config file ${path} (${ERRNO_TEXT[code] ?? code}): check GATEHOUSE_CONFIG`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    // V8's message may quote the text around the error, and the file holds secrets: only where.
    const at = /at position (\d+)/.exec((e as Error).message)?.[1];
    const before = at === undefined ? text : text.slice(0, Number(at));
    const line = before.split('\n').length;
    throw new ConfigError(`config file ${path} is not valid JSON (${at === undefined ? 'it ends too early or has a stray character' : `line ${line}`})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(`config file ${path} must hold one JSON object of settings`);
  const known = new Set(Object.keys(SETTINGS));
  for (const key of Object.keys(parsed)) {
    if (known.has(key) || FILE_EXTRAS.includes(key)) continue;
    const hint = closest(key, [...known, ...Object.values(SETTINGS).map((s) => s.env).filter(Boolean)]);
    const suggestion = hint === undefined ? '' : `: did you mean "${settingOf(hint)}"?`;
    throw new ConfigError(`unknown setting "${key}" in config file ${path}${suggestion} (docs/configuration.md lists them)`);
  }
  return parsed as Record<string, unknown>;
}

/** The setting of a key or of an environment variable's name (a file key written as `TRUST_PROXY`). */
function settingOf(name: string): string {
  if (name in SETTINGS) return name;
  return Object.entries(SETTINGS).find(([, s]) => s.env === name)?.[0] ?? name;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Rules beyond a value's kind, for the values read from the environment or the file. */
function checkValues(c: Config, from: Partial<Record<keyof Config, string>>): void {
  const bad = (key: keyof Config, what: string): never => {
    throw new ConfigError(`${from[key]} must be ${what}, not ${JSON.stringify(String(c[key]))}`);
  };
  if (from.port && (!Number.isInteger(c.port) || c.port > 65535)) bad('port', 'a whole number from 0 to 65535');
  if (from.logLevel && !LOG_LEVELS.includes(c.logLevel)) bad('logLevel', LOG_LEVELS.join(', '));
  if (from.databaseUrl && !/^(sqlite:.|postgres(ql)?:\/\/)/.test(c.databaseUrl)) {
    // Not quoted back: a PostgreSQL URL may carry a password.
    throw new ConfigError(`${from.databaseUrl} must be sqlite:<path> or postgres://user@host:port/database`);
  }
  checkWebConfig(c);
}

/**
 * Embedded installs need no set-up, so missing keys are generated once and kept in the data
 * directory; a cluster must set them in the environment so every node agrees.
 */
function persistedSecret(config: Config, name: string): string {
  const dir = resolve(config.dataDir);
  const file = join(dir, name);
  try {
    if (existsSync(file)) return readFileSync(file, 'utf8').trim();
    const value = randomBytes(32).toString('base64url');
    // Owner only: whoever reads these keys can forge every token and open every stored secret.
    makeDir(dir, 0o700);
    try {
      writeFileSync(file, value + '\n', { mode: 0o600, flag: 'wx' });
    } catch (e) {
      // Another process (the CLI beside the server) wrote it first: use theirs.
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
      throw e;
    }
    return value;
  } catch (e) {
    if (e instanceof ConfigError || !(e as NodeJS.ErrnoException).code) throw e;
    throw dataDirError(dir, e as NodeJS.ErrnoException);
  }
}

/** One line saying why the data directory cannot be used, and what to set instead. */
export function dataDirError(dir: string, e: NodeJS.ErrnoException): ConfigError {
  const why = ERRNO_TEXT[e.code ?? ''] ?? e.code ?? e.message;
  const creating = e.syscall === 'mkdir';
  return new ConfigError(
    `${creating ? 'cannot create the data directory' : 'the data directory'} ${dir} ${creating ? `(${why})` : `is not writable (${why})`}: set GATEHOUSE_DATA_DIR to a writable directory`,
    { cause: e },
  );
}

/** The errno codes a file-system failure at start-up is explained with. */
export const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a path component is not a directory',
  EISDIR: 'is a directory',
  ENOSPC: 'no space left on the device',
  EEXIST: 'already exists',
};
