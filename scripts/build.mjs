#!/usr/bin/env node
// `prepare` (npm install, npm ci) and `prepack` (npm pack): builds dist/ with TypeScript when it
// is installed. A production install (`npm ci --omit=dev`) has no compiler: it uses the build
// that came with the package (npm pack ships dist/), and says so, instead of failing on `tsc`.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  tsc = undefined;
}
if (tsc) {
  process.stderr.write('gatehouse: building dist/ with TypeScript…\n');
  const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
if (existsSync(join(root, 'dist', 'cli.js'))) {
  process.stderr.write('gatehouse: TypeScript is not installed (a production install): using the shipped build in dist/\n');
  process.exit(0);
}
process.stderr.write('gatehouse: no build in dist/ and no TypeScript to make one: run `npm ci` (with dev dependencies), or install a packed release (`npm pack`, which ships dist/)\n');
process.exit(1);
