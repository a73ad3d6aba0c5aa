import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../core/index.js';
import type { PoolStats } from '../store/stats.js';
import { AUDIT_REFRESH_REUSED, AUDIT_REFRESH_ROTATED, AUDIT_SOCKET_SIGN_IN } from '../core/audit.js';
import { HttpMetrics } from './http-metrics.js';
import { LOGIN_ROUTES, loginResult, type LoginResult } from './logins.js';
import { startOf } from './request-id.js';

const DIALECTS = ['arc', 'basic', 'simple', 'feathers'];
const RESULTS: LoginResult[] = ['success', 'failure', 'locked', 'error'];

/**
 * How long a count of live sessions is reused: on SQLite the count reads the whole sessions table
 * on the event loop (about 25 ms per 100,000 stored sessions on the benchmark machine), so two
 * Prometheus servers scraping every few seconds must not each pay it.
 */
const SESSIONS_MAX_AGE_MS = 10_000;

let processRegistry: Registry | undefined;
/**
 * Node's own metrics (CPU, memory, heap, event-loop lag, GC, handles) belong to the process, not
 * to one app: collected once however many apps a process builds (the tests build dozens).
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export interface MetricsOptions {
  /** The database pool's counts (PostgreSQL); without it (SQLite) the pool gauges are left out. */
  pool?: () => PoolStats;
}

/**
 * Gatehouse's Prometheus metrics: requests and latency per route (http-metrics.ts), sign-ins per
 * dialect (logins.ts), and what core reports through its observers: lockouts (the throttle),
 * refresh-token rotations and reuse detections (audit events), mails (the mailer). Gauges
 * (sessions, pool) are read when scraped, nothing in between.
 */
export function gatehouseMetrics(core: Core, opts: MetricsOptions = {}) {
  const registry = new Registry();
  const http = new HttpMetrics(registry);
  const logins = new Counter({
    name: 'gatehouse_logins_total',
    help: 'Password sign-ins over HTTP by dialect and result (success, failure, locked: refused by the lockout, error: 5xx)',
    labelNames: ['dialect', 'result'],
    registers: [registry],
  });
  for (const dialect of DIALECTS) for (const result of RESULTS) logins.inc({ dialect, result }, 0);
  const lockouts = new Counter({ name: 'gatehouse_lockouts_total', help: 'Secret checks refused because a failure counter is full (429 with Retry-After), in every dialect', registers: [registry] });
  const rotations = new Counter({ name: 'gatehouse_refresh_token_rotations_total', help: 'Refresh tokens exchanged for new ones (ARC, basic, Feathers)', registers: [registry] });
  const reuse = new Counter({ name: 'gatehouse_refresh_token_reuse_detections_total', help: 'Already-rotated refresh tokens presented again; each ended its whole session', registers: [registry] });
  const mails = new Counter({ name: 'gatehouse_mails_total', help: 'Mails handed to SMTP or written to the outbox (sent), or that failed to go (failed)', labelNames: ['result'], registers: [registry] });
  for (const result of ['sent', 'failed']) mails.inc({ result }, 0);

  let sessions: { count: number; at: number } | undefined;
  new Gauge({
    name: 'gatehouse_active_sessions',
    help: `Stored sessions neither ended nor expired (refresh-token families, personal access tokens and simple-auth cookie sessions), recounted at most every ${SESSIONS_MAX_AGE_MS / 1000} s`,
    registers: [registry],
    async collect() {
      const now = Date.now();
      if (!sessions || now - sessions.at >= SESSIONS_MAX_AGE_MS) {
        // Unreachable database: the last count stays, and /health/ready says what is wrong.
        const count = await core.sessions.countLive().catch(() => undefined);
        if (count !== undefined) sessions = { count, at: now };
      }
      if (sessions) this.set(sessions.count);
    },
  });

  const pool = opts.pool;
  if (pool) {
    const gauge = (name: string, help: string, read: (s: PoolStats) => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(read(pool()));
        },
      });
    gauge('gatehouse_db_pool_connections', 'PostgreSQL connections open (busy or idle)', (s) => s.total);
    gauge('gatehouse_db_pool_idle_connections', 'PostgreSQL connections open and idle', (s) => s.idle);
    gauge('gatehouse_db_pool_waiting_queries', 'Queries waiting for a PostgreSQL connection (above 0 for long: the pool is too small or queries too slow)', (s) => s.waiting);
    gauge('gatehouse_db_pool_max_connections', 'The PostgreSQL pool size', (s) => s.max);
  }

  const stops = [
    core.audit.observe((e) => {
      if (e.message === AUDIT_SOCKET_SIGN_IN) {
        const { dialect, result } = (e.data ?? {}) as { dialect?: string; result?: string };
        if (dialect && result) logins.inc({ dialect, result });
      } else if (e.message === AUDIT_REFRESH_ROTATED) rotations.inc();
      else if (e.message === AUDIT_REFRESH_REUSED) reuse.inc();
    }),
    core.throttle.onLockout(() => lockouts.inc()),
    core.mail.observe((outcome) => mails.inc({ result: outcome })),
  ];

  return {
    /** Counts one answered request (called from `onSend`: no response listeners needed). */
    observe(req: FastifyRequest, reply: FastifyReply): void {
      const start = startOf(req.raw);
      const seconds = start === undefined ? 0 : (performance.now() - start) / 1000;
      const route = req.routeOptions.url;
      const status = reply.statusCode;
      http.add(route, req.method, status, seconds);
      if (route === undefined || req.method !== 'POST') return;
      const classify = LOGIN_ROUTES.get(route);
      const dialect = classify?.(req.body);
      if (dialect) logins.inc({ dialect, result: loginResult(status) });
    },
    contentType: registry.contentType,
    /** The text exposition of every metric, the process's included. */
    async text(): Promise<string> {
      const [own, proc] = await Promise.all([registry.metrics(), processMetrics().metrics()]);
      return `${own}\n${proc}`;
    },
    close(): void {
      for (const stop of stops) stop();
    },
  };
}
export type GatehouseMetrics = ReturnType<typeof gatehouseMetrics>;
