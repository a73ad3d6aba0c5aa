import type { Config } from './index.js';
import type { Spec } from './settings.js';

/** What operators watch: the Prometheus endpoint and who may read it. */
export interface ObservabilityConfig {
  /** Serves `GET /metrics` and counts requests for it; off: no route and no per-request counting. */
  metricsEnabled: boolean;
  /** When set, `/metrics` answers only `Authorization: Bearer <this token>`. */
  metricsToken: string | undefined;
}

export const OBSERVABILITY_SETTINGS: { [K in keyof ObservabilityConfig]: Spec<Config> } = {
  metricsEnabled: { env: 'METRICS_ENABLED', def: () => true, kind: 'boolean' },
  metricsToken: { env: 'METRICS_TOKEN', def: () => undefined, kind: 'optional' },
};
