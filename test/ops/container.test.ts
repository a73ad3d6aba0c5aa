import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * deploy/Dockerfile (issue 15, item 2): where a container runtime answers, the image is built
 * and started, becomes ready, and stops on `docker stop` with exit code 0. Elsewhere the test
 * skips with the reason (allowed in CI too: the issue asks for it only where a runtime exists).
 */

const ROOT = join(import.meta.dirname, '..', '..');
const unavailable = (() => {
  const r = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 20_000 });
  if (r.error) return `docker not installed (${r.error.message})`;
  if (r.status !== 0) return `docker daemon not reachable: ${(r.stderr || r.stdout).trim().split('\n')[0]}`;
  return undefined;
})();
if (unavailable) console.warn(`[container] skipped: ${unavailable}`);

const TAG = `gatehouse-test:${process.pid}`;
const NAME = `gatehouse-test-${process.pid}`;
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

(unavailable ? describe.skip : describe)('deploy/Dockerfile', () => {
  afterAll(() => {
    spawnSync('docker', ['rm', '-f', NAME]);
    spawnSync('docker', ['rmi', '-f', TAG]);
  });

  it('builds, serves as a non-root user, is ready, and stops cleanly on docker stop', { timeout: 900_000 }, async () => {
    execFileSync('docker', ['build', '-f', join(ROOT, 'deploy', 'Dockerfile'), '-t', TAG, ROOT], { stdio: 'ignore', timeout: 840_000 });
    docker('run', '-d', '--name', NAME, '-p', '127.0.0.1::8080', TAG);
    const port = docker('port', NAME, '8080/tcp').split('\n')[0]?.split(':').pop();
    let ready = false;
    for (let i = 0; i < 120 && !ready; i++) {
      ready = await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok, () => false);
      if (!ready) await new Promise((r) => setTimeout(r, 500));
    }
    expect(ready).toBe(true);
    expect(docker('exec', NAME, 'id', '-un')).toBe('gatehouse');
    expect(docker('logs', NAME)).toContain('admin password');
    docker('stop', NAME);
    expect(docker('inspect', '--format', '{{.State.ExitCode}}', NAME)).toBe('0');
  });
});
