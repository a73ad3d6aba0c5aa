import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The benchmark itself is not part of `npm test` (`npm run bench`); this checks that its script
 * starts, brings up a bare route and a Gatehouse from dist/, and measures one short scenario.
 * It needs only the root's dependencies (no bench/ peers, no autocannon).
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Row {
  id: string;
  system: string;
  status: string;
  rate: number;
  p50: number;
  p99: number;
  errors: number;
  ratio: number | null;
}

describe('bench smoke', () => {
  it('node bench/run.mjs --smoke measures the bare route and the bearer check', async () => {
    const out = join(dir, 'smoke.json');
    const { stdout } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
      execFile(
        process.execPath,
        ['bench/run.mjs', '--smoke', '--out', out],
        { cwd: ROOT, timeout: 90_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, GATEHOUSE_BENCH_LOADGEN: 'builtin' } },
        (err, so, se) => (err ? reject(new Error(`${err.message}\n${so}\n${se}`)) : resolve({ stdout: so, stderr: se })),
      ),
    );
    expect(stdout).toMatch(/^scenario\s+system\s+operation\s+ops\/s/m);
    const results = JSON.parse(readFileSync(out, 'utf8')) as { rows: Row[]; settings: { generator: string } };
    expect(results.settings.generator).toMatch(/built-in/);
    const bare = results.rows.find((r) => r.id === 'bare');
    const bearer = results.rows.find((r) => r.id === 'bearer');
    for (const r of [bare, bearer]) {
      expect(r?.status).toBe('ok');
      expect(r?.rate).toBeGreaterThan(0);
      expect(r?.p50).toBeGreaterThan(0);
      expect(r?.p99).toBeGreaterThanOrEqual(r?.p50 ?? 0);
      expect(r?.errors).toBe(0);
    }
    expect(bearer?.system).toBe('gatehouse');
    expect(bearer?.ratio).toBeGreaterThan(0);
    expect(stdout).toMatch(/bearer check\s+gatehouse\s+GET \/auth\/me/);
  }, 120_000);
});
