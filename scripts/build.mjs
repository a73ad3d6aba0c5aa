#!/usr/bin/env node
// `prepare` (npm install, npm ci), `prepack` (npm pack) and `npm run build`: builds dist/ with
// TypeScript and the hosted pages' front end (src/web/client) with esbuild, when they are
// installed. A production install (`npm ci --omit=dev`) has neither: it uses the build that came
// with the package (npm pack ships dist/), and says so, instead of failing on `tsc`.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const resolve = (id) => {
  try {
    return require.resolve(id);
  } catch {
    return undefined;
  }
};

const tsc = resolve('typescript/bin/tsc');
if (!tsc) {
  if (existsSync(join(root, 'dist', 'cli.js')) && existsSync(join(root, 'dist', 'web', 'assets', 'manifest.json'))) {
    process.stderr.write('gatehouse: TypeScript is not installed (a production install): using the shipped build in dist/\n');
    process.exit(0);
  }
  process.stderr.write('gatehouse: no build in dist/ and no TypeScript to make one: run `npm ci` (with dev dependencies), or install a packed release (`npm pack`, which ships dist/)\n');
  process.exit(1);
}
process.stderr.write('gatehouse: building dist/ with TypeScript…\n');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);

// The front end: one entry, a chunk per page (loaded when shown), names hashed for caching.
const { build } = await import('esbuild');
const out = join(root, 'dist', 'web', 'assets');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { app: 'src/web/client/main.tsx' },
  bundle: true,
  splitting: true,
  format: 'esm',
  outdir: out,
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  assetNames: '[name]-[hash]',
  minify: true,
  metafile: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  target: ['chrome111', 'firefox111', 'safari16.4'],
  legalComments: 'none',
  logLevel: 'warning',
});
const manifest = {};
for (const [file, o] of Object.entries(result.metafile.outputs)) {
  if (o.entryPoint !== 'src/web/client/main.tsx') continue;
  manifest['app.js'] = basename(file);
  if (o.cssBundle) manifest['app.css'] = basename(o.cssBundle);
}
writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
process.stderr.write(`gatehouse: front end built in ${relative(root, out)} (${Object.keys(result.metafile.outputs).length} files)\n`);
