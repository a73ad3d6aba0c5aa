import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { loadConfig, type Config } from '../../src/config/index.js';
import { startGatehouse } from '../../src/server.js';
import type { Core } from '../../src/core/index.js';
import type { Store } from '../../src/store/index.js';

export type DbKind = 'sqlite' | 'postgres';
const PG_ADMIN = process.env.GATEHOUSE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Which database this run uses: the `postgres` vitest project sets GATEHOUSE_TEST_DB. */
export const DB: DbKind = process.env.GATEHOUSE_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

let pgReachable: Promise<string | undefined> | undefined;
/** undefined when PostgreSQL answers, else the reason it does not. */
export function postgresUnavailable(): Promise<string | undefined> {
  pgReachable ??= (async () => {
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: PG_ADMIN, connectionTimeoutMillis: 2000 });
    try {
      await c.connect();
      await c.end();
      return undefined;
    } catch (e) {
      return `PostgreSQL not reachable at ${PG_ADMIN}: ${(e as Error).message}`;
    }
  })();
  return pgReachable;
}

/** A database of its own for one test file: a temp SQLite file or a fresh PostgreSQL database. */
export async function freshDatabase(dir: string): Promise<{ url: string; drop: () => Promise<void> }> {
  if (DB === 'sqlite') return { url: `sqlite:${join(dir, 'test.db')}`, drop: async () => undefined };
  const pg = (await import('pg')).default;
  const name = `gh_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = PG_ADMIN.replace(/\/[^/]*$/, `/${name}`);
  return {
    url,
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export interface TestServer {
  url: string;
  core: Core;
  /** The store under the core: tests may read and write it directly (the API never does). */
  store: Store;
  config: Config;
  close(): Promise<void>;
}

/** Cheap hashes and generous throttles unless a test asks otherwise. */
export async function startServer(overrides: Partial<Config> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  const db = await freshDatabase(dir);
  const config = loadConfig({}, {
    databaseUrl: db.url,
    dataDir: dir,
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    jwtSecret: 'supersecret',
    jwtIssuer: 'sourcefuse',
    hashMemoryKib: 1024,
    hashIterations: 1,
    loginMaxFailures: 1000,
    loginMaxFailuresPerIp: 0,
    ...overrides,
  });
  const gh = await startGatehouse(config, pino({ level: 'silent' }));
  await gh.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = gh.app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    core: gh.core,
    store: gh.store,
    config,
    async close() {
      await gh.close();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Res {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON shapes
  text: string;
  headers: Headers;
}

/** A small HTTP client: `json` sends JSON, `form` form-encoded, `raw` a string as is. */
export function client(base: string) {
  return async function request(
    method: string,
    path: string,
    opts: { json?: unknown; form?: Record<string, string>; raw?: string; headers?: Record<string, string>; bearer?: string } = {},
  ): Promise<Res> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    let body: string | undefined;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers['content-type'] ??= 'application/json';
    } else if (opts.form) {
      body = new URLSearchParams(opts.form).toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    } else if (opts.raw !== undefined) body = opts.raw;
    if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
    const res = await fetch(base + path, { method, headers, body, redirect: 'manual' });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  };
}

/** Decodes a JWT's payload without checking it. */
export function decode(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/**
 * A describe() for suites that need the database: on the PostgreSQL project it skips with a
 * one-line reason when no server answers, except in CI, where PostgreSQL must be there.
 */
export async function describeDb(name: string, fn: () => void): Promise<void> {
  const { describe } = await import('vitest');
  const reason = DB === 'postgres' ? await postgresUnavailable() : undefined;
  if (reason && process.env.CI) throw new Error(`CI requires PostgreSQL: ${reason}`);
  if (reason) {
    console.warn(`[${name}] skipped on PostgreSQL: ${reason}`);
    describe.skip(`${name} [${DB}]`, fn);
  } else describe(`${name} [${DB}]`, fn);
}
