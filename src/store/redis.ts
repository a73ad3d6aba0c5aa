import { Redis } from 'ioredis';

/** A call to Redis that has not answered by then rejects: callers answer 5xx, never hang. */
export const REDIS_COMMAND_TIMEOUT_MS = 2000;

export interface RedisConn {
  client: Redis;
  /** Put before every key and channel (REDIS_PREFIX). */
  prefix: string;
  /** A second connection on the same server: a subscriber cannot run other commands. */
  duplicate(name?: string): Redis;
  close(): Promise<void>;
}

/**
 * Connects to `redis://…` without waiting: a Redis that is down must not stop a node from
 * starting (readiness says so), and ioredis reconnects on its own. While it is down every
 * command rejects within `REDIS_COMMAND_TIMEOUT_MS` (queued ones after one reconnect attempt),
 * so a login answers an error instead of waiting for Redis to come back.
 */
export function openRedis(url: string, prefix: string): RedisConn {
  const options = {
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: REDIS_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    // Backs off to 1 s between attempts, for as long as it takes.
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
  };
  const client = new Redis(url, options);
  // Unhandled, an 'error' event (refused connection, reset) would end the process; the commands
  // in flight reject on their own, which is how callers learn of it.
  client.on('error', () => undefined);
  return {
    client,
    prefix,
    duplicate(name?: string) {
      // Named, so that an operator's CLIENT LIST tells which connection listens for what.
      const c = new Redis(url, { ...options, autoResubscribe: false, ...(name ? { connectionName: name } : {}) });
      c.on('error', () => undefined);
      return c;
    },
    async close() {
      // quit waits for the replies in flight; a connection that is down is just dropped.
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}
