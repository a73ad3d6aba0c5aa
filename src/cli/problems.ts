import { ConfigError, ERRNO_TEXT } from '../config/index.js';
import { CoreError } from '../core/errors.js';
import { Failure, UsageError } from './command.js';

/**
 * One line for every failure an operator can fix: which setting, file or port, and why. The
 * driver's own errors (pg, better-sqlite3, node:net) carry a code; a stack trace is shown only
 * with LOG_LEVEL=debug (main.ts).
 */

type Coded = Error & { code?: string; syscall?: string; path?: string; errors?: unknown[] };

const PG_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused: is PostgreSQL running there?',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name cannot be resolved now',
  ETIMEDOUT: 'no answer',
  ECONNRESET: 'the connection was reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  '28P01': 'password authentication failed',
  '28000': 'the server refused this user',
  '3D000': 'the database does not exist',
  '57P03': 'the server is starting up',
  '53300': 'too many connections',
};

const SQLITE_CODES: Record<string, string> = {
  SQLITE_NOTADB: 'the file is not a SQLite database',
  SQLITE_CANTOPEN: 'the file cannot be opened',
  SQLITE_READONLY: 'the file is read-only',
  SQLITE_CORRUPT: 'the file is corrupt',
  SQLITE_BUSY: 'another process holds a lock on it',
  SQLITE_PERM: 'permission denied',
  SQLITE_FULL: 'the disk is full',
};

const codeOf = (e: Coded): string | undefined => e.code ?? (e.errors?.[0] as Coded | undefined)?.code;

/** `postgres://user:secret@db:5432/gh` → `db:5432/gh` (no password in any message). */
function pgWhere(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the DATABASE_URL';
  }
}

/** The database named by `url` cannot be reached or opened: one line saying why. */
export function databaseProblem(e: unknown, url: string): string {
  const err = e as Coded;
  const code = codeOf(err) ?? '';
  if (/^postgres(ql)?:/.test(url)) {
    const why = PG_CODES[code] ?? (err.message.split('\n')[0] || code);
    return `cannot connect to PostgreSQL at ${pgWhere(url)} (${why}): check DATABASE_URL`;
  }
  const path = url.replace(/^sqlite:/, '');
  const why = SQLITE_CODES[code] ?? (code.startsWith('SQLITE_IOERR') ? 'an I/O error' : undefined) ?? fsReason(err) ?? (err.message.split('\n')[0] || code);
  return `cannot open the SQLite database ${path} (${why}): check DATABASE_URL`;
}

function fsReason(e: Coded): string | undefined {
  const text = e.code ? ERRNO_TEXT[e.code] : undefined;
  if (!text) return undefined;
  return e.syscall === 'mkdir' && e.path ? `cannot create ${e.path}: ${text}` : text;
}

/** The server cannot listen on host:port. */
export function listenProblem(e: unknown, host: string, port: number): string {
  switch (codeOf(e as Coded)) {
    case 'EADDRINUSE':
      return `port ${port} on ${host} is already in use: stop the other process or set PORT to a free port`;
    case 'EACCES':
      return `not allowed to listen on port ${port} (ports below 1024 need privileges): set PORT to 1024 or above`;
    case 'EADDRNOTAVAIL':
      return `${host} is not an address of this machine: set HOST (0.0.0.0 listens on all)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `HOST ${host} cannot be resolved: set HOST to an address of this machine`;
    default:
      return `cannot listen on ${host}:${port} (${(e as Error).message.split('\n')[0]}): check HOST and PORT`;
  }
}

/** Any failure as one line: known kinds say what to fix, others give their first line. */
export function problemLine(e: unknown): string {
  if (e instanceof UsageError || e instanceof Failure || e instanceof ConfigError || e instanceof CoreError) return e.message;
  const err = e as Coded;
  if (err instanceof Error) {
    const reason = fsReason(err);
    if (reason && err.path) return `${err.path}: ${reason}`;
    return err.message.split('\n')[0] || String(err.code ?? err.name);
  }
  return String(e);
}

/** Exit code of a failure: 2 when the command line is wrong, 1 otherwise. */
export const exitCodeOf = (e: unknown): number => (e instanceof UsageError ? 2 : 1);
