/**
 * A production install needs no compiler (issue 15, item 1): `npm pack` ships the build, and the
 * build step of an install without dev dependencies uses it instead of failing on `tsc`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** scripts/build.mjs copied where no TypeScript can be resolved, as after `npm ci --omit=dev`. */
function withoutTypeScript(withDist: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-prod-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'scripts'));
  copyFileSync(join(ROOT, 'scripts', 'build.mjs'), join(dir, 'scripts', 'build.mjs'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  if (withDist) {
    mkdirSync(join(dir, 'dist', 'web', 'assets'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'cli.js'), '');
    writeFileSync(join(dir, 'dist', 'web', 'assets', 'manifest.json'), '{}');
  }
  return spawnSync(process.execPath, [join(dir, 'scripts', 'build.mjs')], { encoding: 'utf8' });
}

describe('production install', () => {
  it('npm pack ships the build (dist/) and the deploy recipes, not the sources of the tests', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const files = (JSON.parse(out) as { files: { path: string }[] }[])[0]?.files.map((f) => f.path) ?? [];
    expect(files).toEqual(expect.arrayContaining(['dist/cli.js', 'dist/server.js', 'dist/web/assets/manifest.json', 'scripts/build.mjs', 'deploy/Dockerfile', 'README.md', 'package.json']));
    // The front end ships built: its sources and source maps stay out.
    expect(files.filter((f) => f.startsWith('dist/web/client'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('test/') || f.startsWith('src/'))).toEqual([]);
  });

  it('without TypeScript, the install step uses the shipped build', () => {
    const r = withoutTypeScript(true);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/using the shipped build/);
  });

  it('without TypeScript and without a build, it stops with one line saying what to do', () => {
    const r = withoutTypeScript(false);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/npm ci.*npm pack/);
  });
});
