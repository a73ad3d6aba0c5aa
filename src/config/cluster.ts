import type { Config } from './index.js';
import type { Spec } from './settings.js';

/** What a cluster shares besides the database (DESIGN.md, "Cluster"). */
export interface ClusterConfig {
  /** `redis://…`: the TTL store and the revocation wake-up live in Redis; unset, the database keeps both. */
  redisUrl: string | undefined;
  /** Put before every Redis key and channel, so several deployments (or test runs) share one Redis. */
  redisPrefix: string;
}

export const CLUSTER_SETTINGS: { [K in keyof ClusterConfig]: Spec<Config> } = {
  redisUrl: { env: 'REDIS_URL', def: () => undefined, kind: 'optional' },
  redisPrefix: { env: 'REDIS_PREFIX', def: () => 'gatehouse:', kind: 'string' },
};
