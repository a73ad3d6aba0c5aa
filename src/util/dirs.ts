import { closeSync, mkdirSync, openSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * `mkdir -p` that always ends. Node's own `mkdirSync(path, { recursive: true })` (and the async
 * one) loop forever when a parent exists but refuses children with ENOENT, as `/proc` does:
 * `GATEHOUSE_DATA_DIR=/proc/x` hung the start (Node 20 and 22). Walking up ourselves and
 * creating one level at a time lets that ENOENT surface. Directories made get `mode`.
 */
export function makeDir(path: string, mode = 0o700): void {
  const abs = resolve(path);
  const kind = statKind(abs);
  if (kind === 'dir') return;
  if (kind === 'other') throw errno('ENOTDIR', `not a directory, mkdir '${abs}'`, abs);
  const parent = dirname(abs);
  if (parent !== abs) makeDir(parent, mode);
  try {
    mkdirSync(abs, { mode });
  } catch (e) {
    // Another process made it in between.
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || statKind(abs) !== 'dir') throw e;
  }
}

/** Creates `dir` when missing and proves a file can be written there (and removed again). */
export function assertWritableDir(dir: string, mode = 0o700): void {
  makeDir(dir, mode);
  const probe = join(resolve(dir), `.gatehouse-write-test-${process.pid}`);
  closeSync(openSync(probe, 'w', 0o600));
  unlinkSync(probe);
}

function statKind(path: string): 'dir' | 'other' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'dir' : 'other';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw e;
  }
}

function errno(code: string, message: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}`), { code, path, syscall: 'mkdir' });
}
