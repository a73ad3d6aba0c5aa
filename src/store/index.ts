import { openDb, type Db } from './db.js';
import { migrate } from './migrations/index.js';
import { usersRepo } from './users.js';
import { rbacRepo } from './rbac.js';
import { clientsRepo } from './clients.js';
import { sessionsRepo } from './sessions.js';
import { codesRepo } from './codes.js';
import { auditRepo } from './audit.js';
import { sqlTtlStore } from './ttl-store.js';
import { oauthTokensRepo } from './oauth-tokens.js';
import { oauthClientsRepo } from './oauth-clients.js';
import { generation } from './generation.js';
import { accessEventsRepo } from './access-events.js';
import { recordsRepo } from './records/index.js';
import { claimsRepo } from './claims.js';
import { authSessionsRepo } from './auth-sessions.js';
import { storeStats } from './stats.js';
import { identitiesRepo } from './identities.js';
import { sessionUpstreamRepo } from './session-upstream.js';
import { transferRepo } from './transfer.js';
import { openRedis } from './redis.js';
import { redisTtlStore } from './redis-ttl.js';
import { noSignal, pgSignal, redisSignal, signalledFeed } from './feed-signal.js';

/**
 * Every repository over one database connection. With `redisUrl` (a cluster) the TTL store and
 * the feed's wake-up live in Redis, every key and channel under `redisPrefix`.
 */
export async function openStore(url: string, opts: { migrate?: boolean; redisUrl?: string; redisPrefix?: string } = {}) {
  const conn: Db = await openDb(url);
  if (opts.migrate !== false) await migrate(conn);
  const db = conn.db;
  const redis = opts.redisUrl ? openRedis(opts.redisUrl, opts.redisPrefix ?? 'gatehouse:') : undefined;
  const ttl = redis ? redisTtlStore(redis) : sqlTtlStore(db);
  // Wakes every node's feed reader when one writes; SQLite is one process and needs none.
  const feedSignal = redis ? redisSignal(redis) : conn.kind === 'postgres' ? pgSignal(db, url) : noSignal;
  const tokensGeneration = generation(conn.externalVersion);
  const usersGeneration = generation(conn.externalVersion);
  return {
    kind: conn.kind,
    db,
    /** Moves when a token, an OAuth2 client or an account may have stopped being live. */
    tokensGeneration,
    /** Whether `tokensGeneration` also sees other processes' writes (else caches bound their age). */
    seesExternalWrites: conn.externalVersion !== undefined,
    /** Moves when a users row may have changed (the account cache). */
    usersGeneration,
    users: usersRepo(db, tokensGeneration, usersGeneration),
    oauthTokens: oauthTokensRepo(db, tokensGeneration),
    oauthClients: oauthClientsRepo(db, tokensGeneration),
    rbac: rbacRepo(db),
    clients: clientsRepo(db),
    sessions: sessionsRepo(db),
    codes: codesRepo(db),
    audit: auditRepo(db),
    accessEvents: signalledFeed(accessEventsRepo(db, usersGeneration), feedSignal),
    records: recordsRepo(db),
    claims: claimsRepo(db),
    authSessions: authSessionsRepo(db),
    /** External identities (federation). */
    identities: identitiesRepo(db),
    /** Provider tokens kept, sealed, with a federated session. */
    sessionUpstream: sessionUpstreamRepo(db),
    /** Accounts in bulk: export, import and the operator's listing (the CLI). */
    transfer: transferRepo(db, tokensGeneration, usersGeneration),
    ttl,
    /** Counts operators watch (metrics): the PostgreSQL pool. */
    stats: storeStats(conn),
    migrate: () => migrate(conn),
    async close() {
      await feedSignal.close();
      await ttl.close();
      await conn.close();
    },
  };
}
export type Store = Awaited<ReturnType<typeof openStore>>;
