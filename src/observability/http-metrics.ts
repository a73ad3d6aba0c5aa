import { Counter, Histogram, type Registry } from 'prom-client';

type Label = 'method' | 'route' | 'status';
type HistogramData = Awaited<ReturnType<Histogram<Label>['get']>>;

/** Seconds; a password sign-in (argon2id) lands near 0.1, a token check near 0.0005. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Node's parser accepts a few dozen methods; the rare ones share a label so labels stay few. */
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'OTHER'] as const;
function methodIndex(method: string): number {
  switch (method) {
    case 'GET':
      return 0;
    case 'POST':
      return 1;
    case 'PUT':
      return 2;
    case 'PATCH':
      return 3;
    case 'DELETE':
      return 4;
    case 'HEAD':
      return 5;
    case 'OPTIONS':
      return 6;
    default:
      return 7;
  }
}

/** Requests of one route, method and status: a count, their total time and a count per bucket. */
interface Cell {
  method: string;
  status: number;
  count: number;
  sum: number;
  /** Observations per bucket, not cumulative; the last one is +Inf. */
  buckets: Float64Array;
}

/** One route pattern's cells, keyed by status × 8 + method (a number: no string built per request). */
class RouteCells {
  readonly cells = new Map<number, Cell>();
  constructor(readonly route: string) {}

  add(method: string, status: number, seconds: number): void {
    const m = methodIndex(method);
    const key = status * 8 + m;
    let cell = this.cells.get(key);
    if (!cell) {
      cell = { method: METHODS[m] ?? 'OTHER', status, count: 0, sum: 0, buckets: new Float64Array(LATENCY_BUCKETS.length + 1) };
      this.cells.set(key, cell);
    }
    cell.count++;
    cell.sum += seconds;
    let b = 0;
    while (b < LATENCY_BUCKETS.length && seconds > (LATENCY_BUCKETS[b] as number)) b++;
    cell.buckets[b] = (cell.buckets[b] ?? 0) + 1;
  }
}

/**
 * Requests by route pattern, method and status, with their latency. Each request adds to plain
 * numbers (a few nanoseconds); prom-client's own `labels().observe()` and `inc()` build a label
 * object and a key string per call, about 1.1 µs a request here (node 20, EPYC), so the values
 * reach prom-client only when scraped. Labels are route patterns (`/users/:id`), never raw
 * URLs, so no id or token can become a label, and their number stays bounded by the routes.
 */
export class HttpMetrics {
  private readonly routes = new Map<string, RouteCells>();
  /** Requests that matched no route (404s, scanners): one label for all of them. */
  private readonly unmatched = new RouteCells('unmatched');

  constructor(registry: Registry) {
    const all = () => this.all();
    new Counter<Label>({
      name: 'gatehouse_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
      collect() {
        this.reset();
        for (const r of all()) for (const c of r.cells.values()) this.inc({ method: c.method, route: r.route, status: c.status }, c.count);
      },
    });
    registry.registerMetric(new LatencyHistogram(all));
  }

  /** Adds one answered request; `route` is the matched pattern, undefined when none matched. */
  add(route: string | undefined, method: string, status: number, seconds: number): void {
    let r: RouteCells | undefined;
    if (route === undefined) r = this.unmatched;
    else {
      r = this.routes.get(route);
      if (!r) this.routes.set(route, (r = new RouteCells(route)));
    }
    r.add(method, status, seconds);
  }

  private *all(): Iterable<RouteCells> {
    yield* this.routes.values();
    yield this.unmatched;
  }
}

const LATENCY = 'gatehouse_http_request_duration_seconds';
const LATENCY_HELP = 'Time from the start of a request until its answer is handed to the socket, by method, route pattern and status';

/**
 * The latency histogram, exported from the cells when scraped. prom-client has no way to load a
 * histogram's counts in bulk, so this one answers its export itself, in prom-client's shape.
 */
class LatencyHistogram extends Histogram<Label> {
  constructor(private readonly source: () => Iterable<RouteCells>) {
    super({
      name: LATENCY,
      help: LATENCY_HELP,
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers: [],
    });
  }

  override async get(): Promise<HistogramData> {
    return this.snapshot();
  }

  /** What the registry formats (prom-client calls it instead of `get` when a metric has it). */
  async getForPromString(): Promise<HistogramData> {
    return this.snapshot();
  }

  private snapshot(): HistogramData {
    const values: HistogramData['values'] = [];
    for (const r of this.source()) {
      for (const c of r.cells.values()) {
        const labels = { method: c.method, route: r.route, status: c.status };
        let cumulative = 0;
        for (let b = 0; b <= LATENCY_BUCKETS.length; b++) {
          cumulative += c.buckets[b] as number;
          // `le` is the bucket's own label; prom-client's label type only knows the declared names.
          const le = { ...labels, le: b < LATENCY_BUCKETS.length ? (LATENCY_BUCKETS[b] as number) : '+Inf' } as typeof labels;
          values.push({ metricName: `${LATENCY}_bucket`, labels: le, value: cumulative });
        }
        values.push({ metricName: `${LATENCY}_sum`, labels, value: c.sum });
        values.push({ metricName: `${LATENCY}_count`, labels, value: c.count });
      }
    }
    // prom-client types `type` as a numeric enum while its registry prints the string (`# TYPE … histogram`).
    return { name: LATENCY, help: LATENCY_HELP, type: 'histogram' as unknown as HistogramData['type'], values, aggregator: 'sum', collect: () => undefined };
  }
}
