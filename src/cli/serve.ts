import { dataDirError, type Config } from '../config/index.js';
import type { BootstrapResult } from '../core/bootstrap.js';
import { assertWritableDir } from '../util/dirs.js';
import { Failure, type Command } from './command.js';
import { databaseProblem, listenProblem } from './problems.js';

/**
 * What a start needs, checked in the order an operator would fix it, each failure one line: the
 * data directory (created if missing, then written to), then the database (opened and asked one
 * query). Without these checks the first symptom came from deep inside the start, as a stack.
 */
async function preflight(config: Config): Promise<void> {
  try {
    assertWritableDir(config.dataDir);
  } catch (e) {
    throw dataDirError(config.dataDir, e as NodeJS.ErrnoException);
  }
  const { probeDatabase } = await import('../store/probe.js');
  await probeDatabase(config.databaseUrl).catch((e: unknown) => {
    throw new Failure(databaseProblem(e, config.databaseUrl), [], { cause: e });
  });
}

/** Shown once, on stderr: apart from the JSON log on stdout, so that log shipping never carries them. */
function showFirstStart(first: BootstrapResult): void {
  if (!first.admin?.generated && !first.client) return;
  const lines = ['', '== Gatehouse first start: keep these, they are not shown again =='];
  if (first.admin) lines.push(`admin user:      ${first.admin.username}`, `admin password:  ${first.admin.generated ? first.admin.password : '(from GATEHOUSE_ADMIN_PASSWORD)'}`);
  if (first.client) lines.push(`client id:       ${first.client.clientId}`, `client secret:   ${first.client.clientSecret}`);
  process.stderr.write(lines.join('\n') + '\n\n');
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the server (what npm start runs; run this one directly under a supervisor)',
  notes: [
    'Checks the data directory and the database first; each start-up failure is one line on stderr naming what to fix, with exit code 1 (a stack trace follows only with LOG_LEVEL=debug).',
    'The log is JSON on stdout. On the first start against an empty database the admin and the default client are created and their credentials printed once, on stderr.',
    'SIGTERM or SIGINT: stops accepting connections, finishes requests in flight, exits 0.',
  ],
  async run(ctx) {
    const config = ctx.config();
    await preflight(config);
    // The server is loaded only by the command that runs it (help stays fast).
    const { createLogger, startGatehouse } = await import('../server.js');
    const log = createLogger(config);
    const gh = await startGatehouse(config, log);
    // Set before listening: a signal that comes while the first start runs must still stop cleanly
    // (without a handler, SIGINT and SIGTERM kill the process mid-request).
    let firstStart: Promise<BootstrapResult | undefined> = Promise.resolve(undefined);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      // app.close() stops accepting connections and waits for requests in flight to finish.
      firstStart
        .catch(() => undefined)
        .then(() => gh.close())
        .then(
          () => process.exit(0),
          (err: Error) => {
            log.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    // Listen before first start creates anything: a port in use then leaves no admin behind
    // whose password was printed by a start that failed.
    await gh.app.listen({ host: config.host, port: config.port }).catch((e: unknown) => {
      throw new Failure(listenProblem(e, config.host, config.port), [], { cause: e });
    });
    firstStart = gh.core.bootstrap();
    showFirstStart((await firstStart) ?? {});
    return undefined;
  },
};

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'apply database migrations (serve applies them too)',
  notes: ['Prints the migrations applied now: {"applied": [...]}, empty when the database was up to date.'],
  async run(ctx) {
    const config = ctx.config();
    const { openStore } = await import('../store/index.js');
    const store = await openStore(config.databaseUrl, { migrate: false }).catch((e: unknown) => {
      throw new Failure(databaseProblem(e, config.databaseUrl), [], { cause: e });
    });
    try {
      return { applied: await store.migrate().catch((e: unknown) => Promise.reject(new Failure(databaseProblem(e, config.databaseUrl), [], { cause: e }))) };
    } finally {
      await store.close();
    }
  },
};
