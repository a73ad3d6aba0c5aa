#!/usr/bin/env node
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { ConfigError, loadConfig, type Config } from './config/index.js';
import { createCore, type Core } from './core/index.js';
import { CoreError } from './core/errors.js';
import { STATUS_NAMES } from './core/rbac/permissions.js';
import { openStore } from './store/index.js';
import { createLogger, startGatehouse } from './server.js';

const USAGE = `gatehouse — identity server

  gatehouse serve                      run the server (same as npm start)
  gatehouse migrate                    apply database migrations
  gatehouse client create --client-id ID [--client-secret S] [--secret S] [--redirect-url URL]
        [--access-token-expiration SEC] [--refresh-token-expiration SEC] [--auth-code-expiration SEC]
        (a secret left out is generated and printed once: keep it, it is not shown again)
  gatehouse client list
  gatehouse client delete --client-id ID
  gatehouse user create --username U --password P [--email E] [--phone P] [--first-name N]
        [--last-name N] [--dob YYYY-MM-DD] [--role SLUG]... [--permission NAME]... [--client CLIENT_ID]...
        [--status registered|active|inactive|password-change-needed|rejected]
  gatehouse user list
  gatehouse user set-password --username U --password P
  gatehouse user allow-client --username U --client CLIENT_ID
  gatehouse user delete --username U

  --json   machine-readable output
Configuration comes from the environment (see README), as for the server.`;

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  secret: { type: 'string' },
  'redirect-url': { type: 'string' },
  'access-token-expiration': { type: 'string' },
  'refresh-token-expiration': { type: 'string' },
  'auth-code-expiration': { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  email: { type: 'string' },
  phone: { type: 'string' },
  'first-name': { type: 'string' },
  'last-name': { type: 'string' },
  dob: { type: 'string' },
  role: { type: 'string', multiple: true },
  permission: { type: 'string', multiple: true },
  client: { type: 'string', multiple: true },
  status: { type: 'string' },
} as const;

class UsageError extends Error {}

function need(v: string | undefined, flag: string): string {
  if (v === undefined || v === '') throw new UsageError(`--${flag} is required`);
  return v;
}
function seconds(v: string | undefined, flag: string, def: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${flag} must be a positive whole number of seconds`);
  return n;
}

async function serve(config: Config): Promise<void> {
  const log = createLogger(config);
  const gh = await startGatehouse(config, log);
  const first = await gh.core.bootstrap();
  if (first.admin?.generated || first.client) {
    // Shown once, on the console rather than in the log, so that log shipping never carries them.
    const lines = ['', '== Gatehouse first start: keep these, they are not shown again =='];
    if (first.admin) lines.push(`admin user:      ${first.admin.username}`, `admin password:  ${first.admin.generated ? first.admin.password : '(from GATEHOUSE_ADMIN_PASSWORD)'}`);
    if (first.client) lines.push(`client id:       ${first.client.clientId}`, `client secret:   ${first.client.clientSecret}`);
    process.stdout.write(lines.join('\n') + '\n\n');
  }
  await gh.app.listen({ host: config.host, port: config.port });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // app.close() stops accepting connections and waits for requests in flight to finish.
    gh.close().then(
      () => process.exit(0),
      (err: Error) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function withCore<T>(config: Config, fn: (core: Core) => Promise<T>): Promise<T> {
  const store = await openStore(config.databaseUrl);
  const core = await createCore(config, store, pino({ level: 'warn' }, pino.destination(2)));
  try {
    return await fn(core);
  } finally {
    await core.close();
    await store.close();
  }
}

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

async function run(cmd: string[], v: Values, config: Config): Promise<unknown> {
  const [group, action] = cmd;
  if (group === 'serve') return serve(config);
  if (group === 'migrate') {
    const store = await openStore(config.databaseUrl, { migrate: false });
    try {
      return { applied: await store.migrate() };
    } finally {
      await store.close();
    }
  }
  if (group === 'client') {
    return withCore(config, async (core) => {
      if (action === 'create') {
        // A secret the caller did not choose is generated and shown in this output only, as the
        // first start shows the default client's: nothing else ever prints it.
        const clientSecret = v['client-secret'] ?? randomBytes(24).toString('base64url');
        const secret = v.secret ?? randomBytes(32).toString('base64url');
        const generated = { ...(v['client-secret'] === undefined && { clientSecret }), ...(v.secret === undefined && { secret }) };
        const c = await core.clients.create({
          clientId: need(v['client-id'], 'client-id'),
          clientSecret,
          secret,
          redirectUrl: v['redirect-url'] ?? null,
          accessTokenExpiration: seconds(v['access-token-expiration'], 'access-token-expiration', 900),
          refreshTokenExpiration: seconds(v['refresh-token-expiration'], 'refresh-token-expiration', 86400),
          authCodeExpiration: seconds(v['auth-code-expiration'], 'auth-code-expiration', 180),
        });
        if (Object.keys(generated).length) process.stderr.write('gatehouse: generated secrets are printed once, below: keep them, they are not shown again\n');
        return { id: c.id, clientId: c.clientId, ...generated, redirectUrl: c.redirectUrl, accessTokenExpiration: c.accessTokenExpiration, refreshTokenExpiration: c.refreshTokenExpiration, authCodeExpiration: c.authCodeExpiration };
      }
      if (action === 'list') {
        return (await core.clients.list()).map((c) => ({ id: c.id, clientId: c.clientId, redirectUrl: c.redirectUrl }));
      }
      if (action === 'delete') {
        const c = await core.clients.byClientId(need(v['client-id'], 'client-id'));
        if (!c) throw new UsageError(`no client ${v['client-id']}`);
        await core.clients.remove(c.id, 'cli');
        return { deleted: c.clientId };
      }
      throw new UsageError(`unknown command: client ${action ?? ''}`);
    });
  }
  if (group === 'user') {
    return withCore(config, async (core) => {
      const clientIds = async () => {
        const ids: number[] = [];
        for (const cid of v.client ?? []) {
          const c = await core.clients.byClientId(cid);
          if (!c) throw new UsageError(`no client ${cid}`);
          ids.push(c.id);
        }
        return ids;
      };
      const byName = async () => {
        const u = await core.accounts.byUsername(need(v.username, 'username'));
        if (!u) throw new UsageError(`no user ${v.username}`);
        return u;
      };
      if (action === 'create') {
        const status = v.status === undefined ? undefined : STATUS_NAMES[v.status];
        if (v.status !== undefined && status === undefined) throw new UsageError(`--status must be one of ${Object.keys(STATUS_NAMES).join(', ')}`);
        const u = await core.accounts.create({
          username: need(v.username, 'username'),
          password: need(v.password, 'password'),
          email: v.email ?? null,
          phone: v.phone ?? null,
          firstName: v['first-name'] ?? null,
          lastName: v['last-name'] ?? null,
          dob: v.dob ?? null,
          status,
          roles: v.role,
          permissions: v.permission,
          clientIds: await clientIds(),
        });
        return { id: u.uuid, username: u.username, email: u.email };
      }
      if (action === 'list') return (await core.accounts.list()).map((u) => ({ id: u.uuid, username: u.username, email: u.email, status: u.status }));
      if (action === 'set-password') {
        const u = await byName();
        await core.accounts.setPassword(u, need(v.password, 'password'), { via: 'cli' }).catch((e: unknown) => {
          if (e instanceof CoreError && e.code === 'password_same') return undefined;
          throw e;
        });
        return { username: u.username, passwordChanged: true };
      }
      if (action === 'allow-client') {
        const u = await byName();
        for (const id of await clientIds()) await core.accounts.allowClient(u.id, id);
        return { username: u.username, clients: v.client ?? [] };
      }
      if (action === 'delete') {
        const u = await byName();
        await core.accounts.remove(u);
        return { deleted: u.username };
      }
      throw new UsageError(`unknown command: user ${action ?? ''}`);
    });
  }
  throw new UsageError(group ? `unknown command: ${group}` : 'no command given');
}

function print(result: unknown, json: boolean): void {
  if (result === undefined) return;
  if (json) return void process.stdout.write(JSON.stringify(result) + '\n');
  const rows = Array.isArray(result) ? result : [result];
  for (const r of rows) process.stdout.write(Object.entries(r as object).map(([k, val]) => `${k}=${val ?? ''}`).join('  ') + '\n');
}

/** The command line parsed against `options`; a malformed one prints `usage` and exits 2. */
function argsOrUsage<O extends NonNullable<ParseArgsConfig['options']>>(options: O, usage: string) {
  try {
    return parseArgs({ options, allowPositionals: true, strict: true });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${usage}\n`);
    process.exit(2);
  }
}

/** Reports a failed command (as JSON with --json) and exits: 2 for usage errors, 1 otherwise. */
function failAndExit(e: unknown, json: boolean): never {
  const msg = e instanceof UsageError || e instanceof ConfigError || e instanceof CoreError ? e.message : String((e as Error).stack ?? e);
  if (json) process.stdout.write(JSON.stringify({ error: msg }) + '\n');
  else process.stderr.write(`gatehouse: ${msg}\n`);
  process.exit(e instanceof UsageError ? 2 : 1);
}

async function main(): Promise<void> {
  const { values, positionals } = argsOrUsage(OPTIONS, USAGE);
  if (values.help || positionals.length === 0) {
    process.stdout.write(USAGE + '\n');
    process.exit(positionals.length === 0 && !values.help ? 2 : 0);
  }
  try {
    const result = await run(positionals, values, loadConfig());
    print(result, values.json ?? false);
  } catch (e) {
    failAndExit(e, values.json ?? false);
  }
}

// ---- gatehouse oauth2-client … (simple dialect OAuth2 clients) ----
const OAUTH2_USAGE = `gatehouse oauth2-client — OAuth2 clients of the simple dialect

  gatehouse oauth2-client create --client-id ID --secret S --name N [--author A] [--author-url U]
        --redirect-uri URI [--redirect-uri URI]... [--scope S]... [--public]
        [--oidc-signing-method HS256|HS384|HS512|RS256|RS384|RS512 --oidc-signing-key K]
  gatehouse oauth2-client list
  gatehouse oauth2-client delete --client-id ID

  --public   a client without a secret (PKCE S256 required)
  --json     machine-readable output
Clients of the configuration file (oauth2Clients) are listed with source=config and changed there.`;

const OAUTH2_OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  'client-id': { type: 'string' },
  secret: { type: 'string' },
  name: { type: 'string' },
  author: { type: 'string' },
  'author-url': { type: 'string' },
  'redirect-uri': { type: 'string', multiple: true },
  scope: { type: 'string', multiple: true },
  public: { type: 'boolean' },
  'oidc-signing-method': { type: 'string' },
  'oidc-signing-key': { type: 'string' },
} as const;

/** True when the first positional is `oauth2-client` (then this block owns the command line). */
function isOauth2ClientCommand(): boolean {
  try {
    return parseArgs({ strict: false, allowPositionals: true }).positionals[0] === 'oauth2-client';
  } catch {
    return false;
  }
}

async function oauth2ClientMain(): Promise<void> {
  const { values: v, positionals } = argsOrUsage(OAUTH2_OPTIONS, OAUTH2_USAGE);
  const action = positionals[1];
  if (v.help || !action) {
    process.stdout.write(OAUTH2_USAGE + '\n');
    process.exit(v.help ? 0 : 2);
  }
  const show = (c: Awaited<ReturnType<Core['oauth2']['listClients']>>[number]) => ({
    clientId: c.clientId,
    name: c.name,
    author: c.author,
    authorUrl: c.authorUrl,
    redirectUris: c.redirectUris,
    scopes: c.scopes,
    public: c.publicClient,
    oidc: c.oidcAlg,
    source: c.source ?? 'database',
  });
  try {
    const result = await withCore(loadConfig(), async (core) => {
      if (action === 'create') {
        const uris = v['redirect-uri'] ?? [];
        if (!uris.length) throw new UsageError('--redirect-uri is required');
        const method = v['oidc-signing-method'];
        const key = v['oidc-signing-key'];
        if ((method === undefined) !== (key === undefined)) throw new UsageError('--oidc-signing-method and --oidc-signing-key go together');
        const pub = v.public ?? false;
        const secret = pub ? (v.secret ?? '') : need(v.secret, 'secret');
        const c = await core.oauth2.createClient({
          clientId: need(v['client-id'], 'client-id'),
          secret,
          name: need(v.name, 'name'),
          author: v.author ?? '',
          authorUrl: v['author-url'] ?? '',
          redirectUris: uris,
          scopes: v.scope ?? [],
          publicClient: pub,
          oidc: method !== undefined && key !== undefined ? { signingMethod: method, signingKey: key } : undefined,
        });
        return show(c);
      }
      if (action === 'list') return (await core.oauth2.listClients()).map(show);
      if (action === 'delete') {
        const id = need(v['client-id'], 'client-id');
        if (!(await core.oauth2.deleteClient(id))) throw new UsageError(`no OAuth2 client ${id}`);
        return { deleted: id };
      }
      throw new UsageError(`unknown command: oauth2-client ${action}`);
    });
    print(result, v.json ?? false);
  } catch (e) {
    failAndExit(e, v.json ?? false);
  }
}

if (isOauth2ClientCommand()) void oauth2ClientMain();
else void main();
