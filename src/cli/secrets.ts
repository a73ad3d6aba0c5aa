import { readFileSync } from 'node:fs';
import { UsageError, type OptionSpec, type Values } from './command.js';

/**
 * A secret can come from the command line (`--password P`: visible in `ps` and shell history),
 * from stdin (`--password-stdin`) or from a file (`--password-file F`), as `docker login` takes
 * them. These are the three options of one secret.
 */
export function secretOptions(name: string, what: string): Record<string, OptionSpec> {
  return {
    [name]: { type: 'string', value: 'S', help: `${what} (visible to other local users: prefer --${name}-stdin or --${name}-file)` },
    [`${name}-stdin`]: { type: 'boolean', help: `read ${what} from stdin (up to the end; one trailing newline is dropped)` },
    [`${name}-file`]: { type: 'string', value: 'FILE', help: `read ${what} from FILE (one trailing newline is dropped)` },
  };
}

const dropNewline = (s: string): string => s.replace(/\r?\n$/, '');

let stdinText: Promise<string> | undefined;
let stdinOwner: string | undefined;

/** All of stdin, read once; `owner` is the option that takes it (a second one is refused). */
export function readStdin(owner: string): Promise<string> {
  if (stdinOwner !== undefined && stdinOwner !== owner) throw new UsageError(`--${stdinOwner} and --${owner} cannot both read stdin`);
  stdinOwner = owner;
  if (process.stdin.isTTY && stdinText === undefined) process.stderr.write(`gatehouse: --${owner}: type it, then Enter and Ctrl-D\n`);
  stdinText ??= (async () => {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  })();
  return stdinText;
}

/** The secret `name` from whichever of its three options was given (at most one), else undefined. */
export async function readSecret(v: Values, name: string): Promise<string | undefined> {
  const given = [name, `${name}-stdin`, `${name}-file`].filter((k) => v[k] !== undefined && v[k] !== false);
  if (given.length > 1) throw new UsageError(`give only one of ${given.map((g) => `--${g}`).join(', ')}`);
  let value: string | undefined;
  if (typeof v[name] === 'string') value = v[name] as string;
  else if (v[`${name}-stdin`] === true) value = dropNewline(await readStdin(`${name}-stdin`));
  else if (typeof v[`${name}-file`] === 'string') {
    const file = v[`${name}-file`] as string;
    try {
      value = dropNewline(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new UsageError(`--${name}-file ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : ((e as NodeJS.ErrnoException).code ?? 'cannot be read')}`);
    }
  } else return undefined;
  if (value === '') throw new UsageError(`--${given[0]} gave an empty ${name}`);
  return value;
}
