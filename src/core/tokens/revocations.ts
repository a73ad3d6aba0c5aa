import type { TtlStore } from '../../store/ttl-store.js';
import type { AccessEventsRepo, AccessEvent, AccountAccess } from '../../store/access-events.js';
import type { FeedSignal } from '../../store/feed-signal.js';
import { sha256 } from '../util/crypto.js';

/** Where revocations were kept before the feed (migration 0004); still read at start. */
const LEGACY_PREFIX = 'revoked:';
/** How often every node reads the feed: a revocation anywhere holds here within this time. */
export const FEED_POLL_MS = 250;
/**
 * Least time between two reads a wake-up starts: under a burst of writes (every refresh revokes
 * the access token it replaces) a node reads the feed at most 50 times a second, not once a write.
 */
const WAKE_GAP_MS = 20;
/**
 * How long a missing feed id is looked for again: on PostgreSQL ids are taken at insert and a
 * transaction (an administrator's `BEGIN; UPDATE users …`) may commit long after later ones.
 */
const GAP_WAIT_MS = 15 * 60_000;
const GAPS_MAX = 1000;
/** Events before the newest read again at start: some may belong to transactions still open. */
const START_LOOKBACK = 1000;
/** Every account's state is read again this often, in case an event was missed all the same. */
const RESYNC_MS = 60_000;

export interface RevocationOptions {
  /** Longest life of an unstored session (a cookie): older cut-offs need not be loaded. */
  sessionLifetimeMs: number;
  /** An account became blocked (on this node or another): end what is stored of its sessions. */
  onBlocked(userId: number): Promise<void>;
  /** Something that ends tokens changed: caches built on the store drop what they hold. */
  onChange(): void;
  warn(msg: string, err: unknown): void;
}

/**
 * What ends access before a token expires, answered from memory on every request: revoked
 * tokens (remembered until they expire, decision 6), blocked accounts, and each account's
 * session cut-off (a password change or a block ends the sessions issued before it).
 *
 * The store's feed is the shared copy: every node loads it at start and then reads what was
 * added every `FEED_POLL_MS`, so a sign-out, a revocation or a status written by an
 * administrator straight into the database holds on every node within a second. Where the feed
 * has a `signal` (Redis pub/sub, PostgreSQL NOTIFY), a node that writes wakes the others, which
 * read at once; the poll stays, for writes made outside Gatehouse and while the channel is lost.
 */
export function revocationList(feed: AccessEventsRepo & { signal?: FeedSignal }, ttl: TtlStore, opts: RevocationOptions) {
  const revoked = new Map<string, number>();
  const blocked = new Set<string>();
  /** The same accounts by integer id (Feathers tokens name their account by id). */
  const blockedIds = new Set<number>();
  const cutoffs = new Map<string, number>();
  let last = 0;
  const gaps = new Map<number, number>();
  let polling: Promise<void> | undefined;
  /** A wake-up came while a read ran: what it announced may have been committed after that read began. */
  let again = false;
  let closed = false;
  let lastRun = 0;
  let loaded = false;
  /** The channel was lost since it last answered (or never answered). */
  let wasLost = false;
  let timer: NodeJS.Timeout | undefined;
  let prune: NodeJS.Timeout | undefined;
  let resyncTimer: NodeJS.Timeout | undefined;

  /** Reads every restricted account again; what changed is applied as an event would be. */
  async function resync(): Promise<void> {
    const found = await feed.restricted(Date.now() - opts.sessionLifetimeMs);
    const stillBlocked = new Set(found.filter((a) => a.blocked).map((a) => a.uuid));
    let changed = false;
    for (const uuid of blocked) {
      if (!stillBlocked.has(uuid)) {
        blocked.delete(uuid);
        changed = true;
      }
    }
    const stillBlockedIds = new Set(found.filter((a) => a.blocked).map((a) => a.userId));
    for (const id of blockedIds) if (!stillBlockedIds.has(id)) blockedIds.delete(id);
    for (const a of found) {
      const newlyBlocked = a.blocked && !blocked.has(a.uuid);
      if (newlyBlocked || (a.sessionsNotBefore ?? 0) > (cutoffs.get(a.uuid) ?? 0)) changed = true;
      applyAccount(a);
      if (newlyBlocked) await opts.onBlocked(a.userId);
    }
    if (changed) opts.onChange();
  }

  function applyAccount(a: AccountAccess): void {
    if (a.blocked) {
      blocked.add(a.uuid);
      blockedIds.add(a.userId);
    } else {
      blocked.delete(a.uuid);
      blockedIds.delete(a.userId);
    }
    if (a.sessionsNotBefore !== null) cutoffs.set(a.uuid, a.sessionsNotBefore);
  }

  async function apply(e: AccessEvent): Promise<void> {
    if (e.kind === 'revoke') {
      if (e.key && e.until > Date.now()) revoked.set(e.key, e.until);
      return;
    }
    if (e.userId === null) return;
    const a = (await feed.account(e.userId)) ?? (e.key ? { userId: e.userId, uuid: e.key, blocked: true, sessionsNotBefore: null } : undefined);
    if (!a) return;
    applyAccount(a);
    opts.onChange();
    if (a.blocked) await opts.onBlocked(a.userId);
  }

  function noteGaps(from: number, rows: AccessEvent[]): void {
    const now = Date.now();
    let prev = from;
    for (const r of rows) {
      gaps.delete(r.id);
      for (let id = prev + 1; id < r.id && gaps.size < GAPS_MAX; id++) gaps.set(id, now);
      if (r.id > prev) prev = r.id;
    }
    for (const [id, at] of gaps) if (now - at > GAP_WAIT_MS) gaps.delete(id);
  }

  async function poll(): Promise<void> {
    const from = last;
    const rows = await feed.since(from, [...gaps.keys()]);
    noteGaps(from, rows);
    for (const r of rows) {
      await apply(r);
      if (r.id > last) last = r.id;
    }
  }

  /** One read of the feed, then the next is scheduled; one runs at a time. */
  function run(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    lastRun = Date.now();
    polling = poll()
      .catch((e: unknown) => opts.warn('reading the revocation feed failed; retrying', e))
      .finally(() => {
        polling = undefined;
        if (closed) return;
        if (again) {
          again = false;
          wake();
        } else schedule();
      });
  }

  function schedule(): void {
    timer = setTimeout(run, FEED_POLL_MS);
    timer.unref();
  }

  /** Another node wrote to the feed: read it now rather than at the next tick. */
  function wake(): void {
    if (closed) return;
    if (polling) {
      again = true;
      return;
    }
    if (!loaded) return; // the load reads everything, then the poll starts
    const wait = lastRun + WAKE_GAP_MS - Date.now();
    if (wait <= 0) return run();
    if (timer) clearTimeout(timer);
    timer = setTimeout(run, wait);
    timer.unref();
  }

  /** The channel was lost or is back; the poll covers the gap, a resubscribe reads everything again. */
  function channelState(up: boolean, err?: unknown): void {
    if (up && !wasLost) return;
    wasLost = !up;
    if (!up) {
      opts.warn('the revocation channel is lost: reading the feed every 250 ms until it is back', err);
      return;
    }
    // What was written while the channel was down reaches us through the poll already; caches
    // filled meanwhile are dropped, and account states read again, in case anything was missed.
    opts.onChange();
    wake();
    resync().catch((e: unknown) => opts.warn('reading account states failed; retrying', e));
  }

  return {
    /** Loads the live state, then follows the feed from where the load began. */
    async load(): Promise<void> {
      const now = Date.now();
      last = Math.max(0, (await feed.latestId()) - START_LOOKBACK);
      // Only a store from before the feed holds these; a TTL store that does not answer (Redis
      // down at start) must not keep the node from starting: its requests fail on their own.
      const legacy = await ttl.entries(LEGACY_PREFIX).catch((e: unknown) => {
        opts.warn('reading revocations kept before the feed failed; starting without them', e);
        return [];
      });
      for (const e of legacy) revoked.set(e.key.slice(LEGACY_PREFIX.length), e.expiresAt);
      for (const r of await feed.revokedLive(now)) revoked.set(r.key, r.until);
      for (const a of await feed.restricted(now - opts.sessionLifetimeMs)) applyAccount(a);
      schedule();
      loaded = true;
      await feed.signal?.subscribe(wake, channelState);
      prune = setInterval(() => {
        const t = Date.now();
        for (const [k, exp] of revoked) if (exp <= t) revoked.delete(k);
        feed.purge(t).catch((e: unknown) => opts.warn('purging the revocation feed failed', e));
      }, 60_000);
      prune.unref();
      resyncTimer = setInterval(() => {
        resync().catch((e: unknown) => opts.warn('reading account states failed; retrying', e));
      }, RESYNC_MS);
      resyncTimer.unref();
    },
    /** Reads every account's state again now (what the timer does every minute). */
    resync,
    /** Reads the feed now (tests, and callers that must see another process's write at once). */
    async sync(): Promise<void> {
      if (polling) await polling;
      await poll();
    },
    /** `sig` is the token's (canonical) signature segment; only its hash is kept. */
    isRevoked(sig: string): boolean {
      return this.isRevokedHash(sha256(sig));
    },
    isRevokedHash(hash: string): boolean {
      const exp = revoked.get(hash);
      return exp !== undefined && exp > Date.now();
    },
    async revokeHash(hash: string, expMs: number): Promise<void> {
      const now = Date.now();
      if (expMs <= now) return;
      revoked.set(hash, expMs);
      await feed.revoke(hash, expMs, now);
    },
    /** Reads an account's access state now, after this node changed it, instead of at the next feed read. */
    async reread(userId: number): Promise<void> {
      const a = await feed.account(userId);
      if (!a) return;
      applyAccount(a);
      opts.onChange();
    },
    /** A revocation the caller wrote to the feed itself (in its own transaction): held here, the other nodes woken. */
    written(hash: string, expMs: number): void {
      revoked.set(hash, expMs);
      feed.signal?.publish();
    },
    revoke(sig: string, expMs: number): Promise<void> {
      return this.revokeHash(sha256(sig), expMs);
    },
    /** Whether the account (by uuid) is inactive, rejected or deleted, as last read. */
    isBlocked: (uuid: string): boolean => blocked.has(uuid),
    /** The same, by the account's integer id. */
    isBlockedId: (id: number): boolean => blockedIds.has(id),
    /** Whether an unstored session of the account issued at `issuedAtMs` has been ended. */
    isCutOff(uuid: string, issuedAtMs: number): boolean {
      if (blocked.has(uuid)) return true;
      const at = cutoffs.get(uuid);
      return at !== undefined && issuedAtMs < at;
    },
    /** Records a cut-off this node made, before the feed brings it back. */
    noteCutOff(uuid: string, at: number): void {
      if ((cutoffs.get(uuid) ?? 0) < at) cutoffs.set(uuid, at);
    },
    size: () => revoked.size,
    /** Whether wake-ups arrive (readiness): false while the channel is lost; true without one. */
    healthy: (): boolean => feed.signal?.healthy() ?? true,
    close(): void {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (prune) clearInterval(prune);
      if (resyncTimer) clearInterval(resyncTimer);
    },
  };
}
export type RevocationList = ReturnType<typeof revocationList>;
