import type { IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';

/**
 * An `X-Request-Id` worth keeping: what proxies and tracers send (UUIDs, nginx's `$request_id`,
 * hex or base64 ids, a W3C traceparent) fits. Anything longer or with other characters (spaces,
 * quotes, newlines: log and header injection) is replaced by an id of ours.
 */
const SAFE_ID = /^[A-Za-z0-9._:+=/-]{1,64}$/;

const START = Symbol('gatehouse.requestStart');
type Stamped = IncomingMessage & { [START]?: number };

/**
 * Fastify's `genReqId`, the first code run for each request: the caller's `X-Request-Id` when it
 * is safe, else `<boot>-<n>` (a random prefix per process, so ids from several nodes or restarts
 * do not collide, and a counter: no random bytes per request). With `stamp`, it also notes when
 * the request began, for the latency histogram, without a hook of its own.
 */
export function requestIds(opts: { stamp: boolean }): (raw: IncomingMessage) => string {
  const boot = randomBytes(6).toString('base64url');
  let n = 0;
  return (raw) => {
    if (opts.stamp) (raw as Stamped)[START] = performance.now();
    const sent = raw.headers['x-request-id'];
    if (typeof sent === 'string' && SAFE_ID.test(sent)) return sent;
    return `${boot}-${(++n).toString(36)}`;
  };
}

/** When the request began (`performance.now()`), as `requestIds` noted it. */
export const startOf = (raw: IncomingMessage): number | undefined => (raw as Stamped)[START];
