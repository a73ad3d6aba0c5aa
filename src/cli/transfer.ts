import { createReadStream, openSync, closeSync, unlinkSync, writeSync, existsSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { ImportRejected } from '../core/accounts/transfer.js';
import { bool, Failure, str, UsageError, type Command, type Group } from './command.js';

/** Where an export writes: a new file of mode 0600 (`--force` replaces one), or a redirected stdout. */
function openOut(path: string | undefined, force: boolean): { write(s: string): Promise<void>; close(): void; discard(): void } {
  if (path === undefined) {
    if (process.stdout.isTTY) throw new UsageError('refusing to print password hashes to a terminal: give --out FILE (written with mode 0600) or redirect stdout');
    return {
      // Waits for the pipe to drain, so that a large export does not sit in memory.
      write: async (s) => void (process.stdout.write(s) || (await once(process.stdout, 'drain'))),
      close: () => undefined,
      discard: () => undefined,
    };
  }
  if (force && existsSync(path)) {
    if (statSync(path).isDirectory()) throw new UsageError(`--out ${path} is a directory`);
    // Removed, not truncated: a file made earlier keeps its mode, and this one must be 0600.
    unlinkSync(path);
  }
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UsageError(`${path} exists: remove it, choose another --out or give --force`);
    throw new Failure(`cannot create ${path} (${code ?? (e as Error).message})`);
  }
  return {
    write: async (s) => void writeSync(fd, s),
    close: () => closeSync(fd),
    discard: () => {
      closeSync(fd);
      unlinkSync(path);
    },
  };
}

const exportUsers: Command = {
  name: 'export users',
  summary: 'write every user, with its password hash, as JSON Lines',
  synopsis: '[--out FILE [--force]]',
  options: {
    out: { type: 'string', value: 'FILE', help: 'write to FILE, created with mode 0600 (else stdout, which must not be a terminal)' },
    force: { type: 'boolean', help: 'replace FILE if it exists' },
  },
  notes: [
    'One user per line: username, uuid, email, email_verified(_at), phone, phone_verified, name, first/middle/last_name, bio, gender, dob, locale, picture, status, roles, global_roles, permissions, denied_permissions, clients, password_hash, created_at (docs/cli.md "User files").',
    'The file holds password hashes: keep it like a password database. Hashes are never printed to a terminal. Second factors (TOTP), sessions and linked provider identities are not exported.',
  ],
  async run({ values: v, withCore, json }) {
    const path = str(v, 'out');
    const out = openOut(path, bool(v, 'force'));
    let count = 0;
    try {
      await withCore(async (core) => {
        for await (const record of core.transfer.exportRecords()) {
          await out.write(JSON.stringify(record) + '\n');
          count++;
        }
      });
    } catch (e) {
      out.discard();
      throw e;
    }
    out.close();
    if (path !== undefined) return { exported: count, file: path };
    // stdout carries the users: the summary goes to stderr.
    if (!json) process.stderr.write(`gatehouse: exported ${count} users\n`);
    return undefined;
  },
};

async function* lines(path: string): AsyncGenerator<string> {
  const input = path === '-' ? process.stdin : createReadStream(path);
  if (path !== '-') {
    // Opening errors surface here, as one line, before anything is read.
    await new Promise<void>((resolve, reject) => {
      input.once('open', () => resolve());
      input.once('error', reject);
    }).catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(`${path}: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : (e.code ?? e.message)}`);
    });
  }
  yield* createInterface({ input, crlfDelay: Infinity });
}

const importUsers: Command = {
  name: 'import users',
  summary: 'add users from a JSON Lines file, keeping their password hashes (argon2id, bcrypt)',
  synopsis: 'FILE [--update] [--create-roles] [--dry-run]',
  positionals: ['FILE'],
  options: {
    update: { type: 'boolean', help: "existing users (same username or email) take the file's values (else they are skipped)" },
    'create-roles': { type: 'boolean', help: 'create roles the file names that do not exist (without permissions)' },
    'dry-run': { type: 'boolean', help: 'check every line and say what would happen; write nothing' },
  },
  notes: [
    'FILE is JSON Lines, one user per line, as export users writes it (docs/cli.md "User files"); "-" reads stdin. Only username is required.',
    'Every line is checked first; if any is wrong, each is reported with its line number and nothing is written. Otherwise all users are written in one transaction. Importing the same file again changes nothing (existing users are skipped, or updated with --update).',
    'bcrypt hashes ($2a$, $2b$, $2y$) of the ARC, basic and Feathers servers are kept as they are and become argon2id at the next sign-in.',
  ],
  async run({ values: v, positionals, withCore }) {
    const path = positionals[0];
    if (!path) throw new UsageError('give the file to import (or - for stdin)');
    const source = lines(path);
    return withCore(async (core) => {
      try {
        return await core.transfer.importLines(source, { update: bool(v, 'update'), createRoles: bool(v, 'create-roles'), dryRun: bool(v, 'dry-run') });
      } catch (e) {
        if (!(e instanceof ImportRejected)) throw e;
        const roleHint = e.problems.some((p) => p.message.startsWith('unknown role')) ? ' (--create-roles creates missing roles)' : '';
        throw new Failure(e.message + roleHint, e.problems.map((p) => `${path}:${p.line}: ${p.message}`));
      }
    });
  },
};

export const exportGroup: Group = { name: 'export', summary: 'write data out for another server or a backup', commands: [exportUsers] };
export const importGroup: Group = { name: 'import', summary: 'read data written by export (or converted from another server)', commands: [importUsers] };
