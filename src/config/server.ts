import type { Config } from './index.js';
import type { Spec } from './settings.js';

/** Where and how the server runs: address, database, data directory, logs, proxies, the first admin. */
export interface ServerConfig {
  host: string;
  port: number;
  databaseUrl: string;
  dataDir: string;
  logLevel: string;
  publicUrl: string;
  trustProxy: boolean;
  /** CSP `frame-ancestors` sources of the hosted pages: who may frame them (`'none'`: nobody). */
  frameAncestors: string;
  adminUsername: string;
  adminPassword: string | undefined;
  locale: string;
}

export const SERVER_SETTINGS: { [K in keyof ServerConfig]: Spec<Config> } = {
  host: { env: 'HOST', def: () => '0.0.0.0', kind: 'string' },
  port: { env: 'PORT', def: () => 8080, kind: 'number' },
  databaseUrl: { env: 'DATABASE_URL', def: () => 'sqlite:./data/gatehouse.db', kind: 'string' },
  dataDir: { env: 'GATEHOUSE_DATA_DIR', def: () => './data', kind: 'string' },
  logLevel: { env: 'LOG_LEVEL', def: () => 'info', kind: 'string' },
  publicUrl: { env: 'PUBLIC_URL', def: (c) => `http://localhost:${c.port ?? 8080}`, kind: 'string' },
  trustProxy: { env: 'TRUST_PROXY', def: () => false, kind: 'boolean' },
  frameAncestors: { env: 'FRAME_ANCESTORS', def: () => "'none'", kind: 'string' },
  adminUsername: { env: 'GATEHOUSE_ADMIN_USERNAME', def: () => 'admin', kind: 'string' },
  adminPassword: { env: 'GATEHOUSE_ADMIN_PASSWORD', def: () => undefined, kind: 'optional' },
  locale: { env: 'LOCALE', def: () => 'en', kind: 'string' },
};
