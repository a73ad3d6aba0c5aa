import { readFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { coerce, ConfigError, type Spec } from './settings.js';
import { SERVER_SETTINGS, type ServerConfig } from './server.js';
import { TOKENS_SETTINGS, type TokensConfig } from './tokens.js';
import { NOTIFY_SETTINGS, type NotifyConfig } from './notify.js';
import { SECURITY_SETTINGS, type SecurityConfig } from './security.js';
import { SIMPLE_SETTINGS, type SimpleConfig } from './simple.js';
import { OAUTH2_SETTINGS, type OAuth2Config } from './oauth2.js';
import { FEATHERS_SETTINGS, type FeathersConfig } from './feathers.js';

export { ConfigError };
export type { ServerConfig, TokensConfig, NotifyConfig, SecurityConfig, SimpleConfig, OAuth2Config, FeathersConfig };

/**
 * One typed configuration: defaults < config file (GATEHOUSE_CONFIG, JSON) < environment. Each
 * area declares its settings in a file of its own (a typed section); a module that needs one
 * area can ask for that section's type. The keys stay flat, as the config file and the README
 * name them, so that files written for earlier versions keep working.
 */
export interface Config extends ServerConfig, TokensConfig, NotifyConfig, SecurityConfig, SimpleConfig, OAuth2Config, FeathersConfig {}

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
};

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
  for (const [key, spec] of Object.entries(SETTINGS) as [keyof Config, Spec<Config>][]) {
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
  if (!config.feathersJwtSecret) config.feathersJwtSecret = config.jwtSecret;
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
