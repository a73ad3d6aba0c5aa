import { readFileSync } from 'node:fs';
import { loadConfig, type Config } from '../config/index.js';
import type { Core } from '../core/index.js';
import { closest } from '../util/closest.js';
import { commandHelp, Failure, groupHelp, parseCommandArgs, UsageError, type Command, type Context, type Group } from './command.js';
import { print } from './output.js';
import { databaseProblem, exitCodeOf, problemLine } from './problems.js';
import { serveCommand, migrateCommand } from './serve.js';
import { clientGroup } from './client.js';
import { userGroup } from './user.js';
import { oauth2ClientGroup } from './oauth2-client.js';
import { exportGroup, importGroup } from './transfer.js';

/** Every command, in the order the global help lists them. */
const ENTRIES: (Command | Group)[] = [serveCommand, migrateCommand, userGroup, clientGroup, oauth2ClientGroup, exportGroup, importGroup];

const isGroup = (e: Command | Group): e is Group => 'commands' in e;

function globalHelp(): string {
  const rows: [string, string][] = [];
  for (const e of ENTRIES) {
    if (isGroup(e)) for (const c of e.commands) rows.push([c.name, c.summary]);
    else rows.push([e.name, e.summary]);
  }
  const width = Math.max(...rows.map(([n]) => n.length));
  return [
    'gatehouse — identity server (ARC, basic, simple-auth and Feathers dialects over one user store)',
    '',
    'Usage: gatehouse <command> [options]',
    '',
    'Commands:',
    ...rows.map(([n, s]) => `  ${n.padEnd(width)}  ${s}`),
    '',
    "Run 'gatehouse <command> --help' (or 'gatehouse help <command>') for a command's options.",
    'Every command takes --json. Exit codes: 0 done, 1 failed, 2 the command line is wrong.',
    'Settings come from the environment and GATEHOUSE_CONFIG, as for the server (docs/configuration.md).',
  ].join('\n');
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The command the words name, or the help text to show for them; unknown words are a UsageError. */
function resolve(words: string[]): { cmd: Command; rest: string[] } | { help: string } {
  const [first = '', second] = words;
  const entry = ENTRIES.find((e) => e.name === first);
  if (!entry) {
    const hint = closest(first, ENTRIES.map((e) => e.name));
    throw new UsageError(`unknown command "${first}"${hint ? ` (did you mean "${hint}"?)` : ''}: see gatehouse --help`);
  }
  if (!isGroup(entry)) return { cmd: entry, rest: words.slice(1) };
  if (second === undefined || second === '--help' || second === '-h') {
    if (second === undefined) throw new UsageError(`"${first}" needs a command: ${entry.commands.map((c) => c.name.split(' ')[1]).join(', ')} (see gatehouse ${first} --help)`);
    return { help: groupHelp(entry.name, entry.summary, entry.commands) };
  }
  const cmd = entry.commands.find((c) => c.name === `${first} ${second}`);
  if (!cmd) {
    const names = entry.commands.map((c) => c.name.split(' ')[1] ?? '');
    const hint = closest(second, names);
    throw new UsageError(`unknown command "${first} ${second}"${hint ? ` (did you mean "${first} ${hint}"?)` : ''}: see gatehouse ${first} --help`);
  }
  return { cmd, rest: words.slice(2) };
}

function context(values: Context['values'], positionals: string[]): Context {
  let config: Config | undefined;
  const ctx: Context = {
    values,
    positionals,
    json: values.json === true,
    config: () => (config ??= loadConfig()),
    async withCore<T>(fn: (core: Core) => Promise<T>): Promise<T> {
      const c = ctx.config();
      // Loaded here, not at the top: help and usage errors answer without loading the server (~1 s of CPU).
      const [{ openStore }, { createCore }, { default: pino }] = await Promise.all([import('../store/index.js'), import('../core/index.js'), import('pino')]);
      // The cluster's Redis too: the CLI's sign-outs and blocks must wake every node, and its counters live there.
      const store = await openStore(c.databaseUrl, { redisUrl: c.redisUrl, redisPrefix: c.redisPrefix }).catch((e: unknown) => {
        throw new Failure(databaseProblem(e, c.databaseUrl), [], { cause: e });
      });
      try {
        const core = await createCore(c, store, pino({ level: 'warn' }, pino.destination(2)));
        try {
          return await fn(core);
        } finally {
          await core.close();
        }
      } finally {
        await store.close();
      }
    },
  };
  return ctx;
}

const debugWanted = (): boolean => ['debug', 'trace'].includes(process.env.LOG_LEVEL ?? '');

/** Reports a failure (as JSON with --json) in one line, then exits: 2 for usage errors, 1 otherwise. */
export function failAndExit(e: unknown, json: boolean): never {
  const line = problemLine(e);
  const details = e instanceof Failure ? e.details : [];
  if (json) process.stdout.write(JSON.stringify({ error: line, ...(details.length && { details }) }) + '\n');
  else process.stderr.write([...details, line].map((l) => `gatehouse: ${l}\n`).join(''));
  // The wrapped driver error (`cause`) is where a stack says something.
  for (let err = e; debugWanted() && err instanceof Error; err = err.cause) process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(exitCodeOf(e));
}

export async function main(argv: string[]): Promise<void> {
  const json = argv.includes('--json');
  let current: Command | undefined;
  try {
    if (argv.length === 0) {
      process.stderr.write(globalHelp() + '\n');
      process.exit(2);
    }
    const [first] = argv;
    if (first === '--help' || first === '-h') return void process.stdout.write(globalHelp() + '\n');
    if (first === '--version' || first === 'version') return void process.stdout.write(version() + '\n');
    if (first === 'help') {
      if (argv.length === 1) return void process.stdout.write(globalHelp() + '\n');
      const r = resolve([...argv.slice(1), ...(argv.length === 2 && ENTRIES.some((e) => e.name === argv[1] && isGroup(e)) ? ['--help'] : [])]);
      return void process.stdout.write(('help' in r ? r.help : commandHelp(r.cmd)) + '\n');
    }
    const r = resolve(argv);
    if ('help' in r) return void process.stdout.write(r.help + '\n');
    current = r.cmd;
    const parsed = parseCommandArgs(r.cmd, r.rest);
    if (parsed.values.help) return void process.stdout.write(commandHelp(r.cmd) + '\n');
    print(await r.cmd.run(context(parsed.values, parsed.positionals)), json);
  } catch (e) {
    if (e instanceof UsageError && current) e.message = `${e.message} (see gatehouse ${current.name} --help)`;
    failAndExit(e, json);
  }
}
