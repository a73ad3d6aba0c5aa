import { sql, type Kysely } from 'kysely';
import type { Redis } from 'ioredis';
import type { Database } from './schema.js';
import type { RedisConn } from './redis.js';
import type { AccessEventsRepo } from './access-events.js';

/** The PostgreSQL channel; a fixed name, as `LISTEN` cannot take a parameter. */
export const PG_CHANNEL = 'gatehouse_access_events';
/** How long a lost LISTEN connection waits before it tries again. */
const PG_RETRY_MS = 1000;
/**
 * How often a listening connection is asked to answer: a connection cut without a TCP reset (a
 * partition, a dead load balancer) is otherwise only noticed after hours of TCP keep-alive.
 */
const HEARTBEAT_MS = 5000;

/**
 * A wake-up for the revocation feed: a node that wrote an event says so, and every node reads
 * the feed at once instead of at its next poll. It carries no data (the feed stays the one
 * record, read in order), so a lost message costs only latency: the poll still runs.
 */
export interface FeedSignal {
  /** Tells every node (this one included) the feed grew; never throws. */
  publish(): void;
  /**
   * `onSignal` on each wake-up; `onState` when the channel is lost (false) or back (true).
   * Resolves at the first answer (subscribed or failed), so that readiness is right from the start.
   */
  subscribe(onSignal: () => void, onState: (up: boolean, err?: unknown) => void): Promise<void>;
  /** Whether wake-ups arrive now (true where there is no channel to lose). */
  healthy(): boolean;
  close(): Promise<void>;
}

/**
 * At most one message in flight, and at most one more after it however many writes came
 * meanwhile: a wake-up says only "read the feed", so a burst of writes needs one.
 */
function coalesced(send: () => Promise<unknown>): () => void {
  let inFlight = false;
  let pending = false;
  const go = (): void => {
    inFlight = true;
    send()
      .catch(() => undefined)
      .finally(() => {
        inFlight = false;
        if (pending) {
          pending = false;
          go();
        }
      });
  };
  return () => {
    if (inFlight) pending = true;
    else go();
  };
}

/** SQLite: one process writes and reads the feed, so nothing needs waking. */
export const noSignal: FeedSignal = { publish: () => undefined, subscribe: async () => undefined, healthy: () => true, close: async () => undefined };

/** Redis pub/sub on `${prefix}access-events`, through a subscriber connection of its own. */
export function redisSignal(conn: RedisConn): FeedSignal {
  const channel = `${conn.prefix}access-events`;
  let sub: Redis | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  /** undefined until the first answer, so that a channel never reached is reported too. */
  let up: boolean | undefined;
  return {
    // A lost message costs latency only (the poll): publishing never fails a write.
    publish: coalesced(() => conn.client.publish(channel, '')),
    subscribe(onSignal, onState) {
      let first: () => void = () => undefined;
      const answered = new Promise<void>((resolve) => (first = resolve));
      const s = (sub = conn.duplicate(channel));
      const lost = (err?: unknown) => {
        first();
        if (up === false) return;
        up = false;
        onState(false, err);
      };
      s.on('message', (ch: string) => ch === channel && onSignal());
      // A ping unanswered within the command timeout: the connection is dropped and made again.
      heartbeat = setInterval(() => {
        if (up) s.ping().catch((err: unknown) => (lost(err), s.disconnect(true)));
      }, HEARTBEAT_MS).unref();
      s.on('error', (err: unknown) => lost(err));
      s.on('close', () => lost());
      // Subscribed again after every reconnect (autoResubscribe is off: this is the one place).
      s.on('ready', () => {
        s.subscribe(channel).then(
          () => {
            first();
            if (up === true) return;
            up = true;
            onState(true);
          },
          (err: unknown) => lost(err),
        );
      });
      return answered;
    },
    healthy: () => up === true,
    async close() {
      up = false;
      clearInterval(heartbeat);
      sub?.disconnect();
    },
  };
}

/**
 * PostgreSQL `LISTEN/NOTIFY` on `gatehouse_access_events`: one connection of its own listens
 * (pooled ones are handed to other queries), and is opened again every second after it is lost.
 */
export function pgSignal(db: Kysely<Database>, url: string): FeedSignal {
  let client: import('pg').Client | undefined;
  /** undefined until the first answer, so that a channel never reached is reported too. */
  let up: boolean | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  /** Asks the current listening connection to answer (the heartbeat). */
  let check: (() => void) | undefined;
  return {
    publish: coalesced(() => sql`select pg_notify(${PG_CHANNEL}, '')`.execute(db)),
    subscribe(onSignal, onState) {
      let first: () => void = () => undefined;
      const answered = new Promise<void>((resolve) => (first = resolve));
      const lost = (err?: unknown) => {
        first();
        client = undefined;
        if (closed) return;
        if (up !== false) {
          up = false;
          onState(false, err);
        }
        if (!closed && !retry) retry = setTimeout(connect, PG_RETRY_MS).unref();
      };
      const connect = async () => {
        retry = undefined;
        const pg = (await import('pg')).default;
        const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: PG_RETRY_MS * 2, query_timeout: PG_RETRY_MS * 2, keepAlive: true });
        let failed = false;
        const fail = (err?: unknown) => {
          if (failed) return;
          failed = true;
          c.end().catch(() => undefined);
          lost(err);
        };
        c.on('error', fail);
        c.on('end', () => fail());
        c.on('notification', (m) => m.channel === PG_CHANNEL && onSignal());
        try {
          await c.connect();
          await c.query(`listen ${PG_CHANNEL}`);
        } catch (err) {
          fail(err);
          return;
        }
        if (closed) return void c.end().catch(() => undefined);
        client = c;
        check = () => void c.query('select 1').catch(fail);
        up = true;
        first();
        onState(true);
      };
      void connect();
      heartbeat = setInterval(() => check?.(), HEARTBEAT_MS).unref();
      return answered;
    },
    healthy: () => up === true,
    async close() {
      closed = true;
      up = false;
      if (retry) clearTimeout(retry);
      clearInterval(heartbeat);
      await client?.end().catch(() => undefined);
    },
  };
}

/** The feed, each of whose writes is followed by a wake-up; `signal` is how readers listen. */
export function signalledFeed(feed: AccessEventsRepo, signal: FeedSignal): AccessEventsRepo & { signal: FeedSignal } {
  return {
    ...feed,
    signal,
    async revoke(key, until, now) {
      await feed.revoke(key, until, now);
      signal.publish();
    },
    async cutOff(userId, at) {
      await feed.cutOff(userId, at);
      signal.publish();
    },
  };
}
