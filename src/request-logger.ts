import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level, Logger } from 'pino';

type LogFn = (...args: unknown[]) => void;

/**
 * The logger of one request, made only when the request writes a line. Fastify gives every
 * request a pino child carrying its id; building one (bindings serialised, redaction and
 * serialisers copied) cost a few microseconds a request, a tenth of a forward-auth check, for
 * requests that at the default level never log. A call below the level returns at once.
 */
class RequestLogger {
  private real: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindingsOf: Bindings,
    private readonly opts: ChildLoggerOptions,
  ) {}

  private logger(): Logger {
    return (this.real ??= this.parent.child(this.bindingsOf, this.opts));
  }

  private write(level: Level, args: unknown[]): void {
    if (!this.isLevelEnabled(level)) return;
    (this.logger()[level] as LogFn)(...args);
  }

  get level(): string {
    return this.real?.level ?? this.opts.level ?? this.parent.level;
  }
  set level(level: string) {
    this.logger().level = level;
  }
  get silent(): LogFn {
    return this.logger().silent as LogFn;
  }
  isLevelEnabled(level: string): boolean {
    return this.real ? this.real.isLevelEnabled(level) : this.opts.level ? this.logger().isLevelEnabled(level) : this.parent.isLevelEnabled(level);
  }
  bindings(): Bindings {
    return this.logger().bindings();
  }
  child(bindings: Bindings, opts?: ChildLoggerOptions): Logger {
    return this.logger().child(bindings, opts);
  }
  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
}

/**
 * Fastify's `childLoggerFactory`: request loggers over `log` that cost nothing until used. The
 * parent is ours rather than the one Fastify passes, so requests keep logging warnings and
 * errors (with their id) when the app runs without a Fastify logger (see server.ts).
 */
export function requestLoggers(log: Logger): (fastifyLogger: FastifyBaseLogger, bindings: Bindings, opts: ChildLoggerOptions) => FastifyBaseLogger {
  return (_fastifyLogger: FastifyBaseLogger, bindings: Bindings, opts: ChildLoggerOptions) =>
    // Fastify types its loggers as its own base logger; this one has every method it calls.
    new RequestLogger(log, bindings, opts) as unknown as FastifyBaseLogger;
}
