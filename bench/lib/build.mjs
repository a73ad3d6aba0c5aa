import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The newest modification time of any file below `dir`. */
export function newestMtime(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Whether `dist/` is missing or older than `src/` under `root`. */
export function distIsStale(root) {
  const cli = join(root, 'dist', 'cli.js');
  return !existsSync(cli) || newestMtime(join(root, 'src')) > statSync(cli).mtimeMs;
}
