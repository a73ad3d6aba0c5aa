import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { client, type Res } from '../support/server.js';
import { missing, runPrefix, sharedPgDatabase, dropPrefix, REDIS_TEST_URL } from './support.js';
import { CLI, NGINX, startNginx, startNode, stopNode, type Balancer, type Node } from './nodes.js';

/**
 * Issue 14, item 3: three real `gatehouse serve` processes on one PostgreSQL database, without
 * and with Redis, behind a real nginx round-robin upstream on loopback. Driven through nginx,
 * and straight at one node where a check has to pin it: tokens, sign-outs, lockouts and refresh
 * races hold across nodes, and killing a node under a stream of writes loses none that were
 * acknowledged while the others go on serving. Uses the basic dialect (register, login,
 * refresh-tokens, logout, and `POST /auth` as the bearer check). Needs dist/ (`npm test` builds it).
 */

const pgSkip = await missing('postgres');
const nginxSkip = existsSync(NGINX) ? undefined : `${NGINX} not installed (apt-get install nginx-light)`;
if (nginxSkip && process.env.CI) throw new Error(`CI requires nginx: ${nginxSkip}`);
if (nginxSkip) console.warn(`skipped: ${nginxSkip}`);
const baseSkip = pgSkip ?? nginxSkip;
const redisSkip = baseSkip ?? (await missing('redis'));
if (!baseSkip && !existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);

const PASSWORD = 'Cluster!pass1';
const MAX_FAILURES = 3;

/** Polls `probe` every 10 ms until it is true; the milliseconds it took from `since`. */
async function within(ms: number, since: number, probe: () => Promise<boolean>): Promise<number> {
  for (;;) {
    if (await probe()) return Date.now() - since;
    if (Date.now() - since > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function cluster(mode: 'PostgreSQL only' | 'PostgreSQL + Redis', skip: string | undefined) {
  const withRedis = mode === 'PostgreSQL + Redis';
  describe.skipIf(skip)(`three nodes behind nginx: ${mode}`, () => {
    const tag = randomBytes(4).toString('hex');
    let dir: string;
    let db: Awaited<ReturnType<typeof sharedPgDatabase>> | undefined;
    let prefix: string | undefined;
    let nodes: Node[] = [];
    let lb: Balancer | undefined;
    /** Straight at node i (0 = A, 1 = B, 2 = C), or through nginx. */
    const at = (i: number) => client(nodes[i]!.url);
    const viaLb = () => client(lb!.url);
    const bearerOk = async (req: ReturnType<typeof client>, access: string) => (await req('POST', '/auth', { bearer: access })).status;
    const pg = async () => {
      const c = new (await import('pg')).default.Client({ connectionString: db!.url });
      await c.connect();
      return c;
    };

    /** A new account's email; signing up also signs in (a session of its own). */
    async function register(req: ReturnType<typeof client>, who: string): Promise<string> {
      return (await signUp(req, who)).email;
    }
    async function signUp(req: ReturnType<typeof client>, who: string): Promise<{ email: string; access: string; refresh: string }> {
      const email = `${who}.${tag}@example.com`;
      const r = await req('POST', '/auth/register', { json: { name: 'Cluster Test', bio: null, email, password: PASSWORD, confirm: PASSWORD } });
      expect(r.status).toBe(201);
      return { email, access: r.body.tokens.access.token, refresh: r.body.tokens.refresh.token };
    }
    async function login(req: ReturnType<typeof client>, email: string): Promise<{ access: string; refresh: string }> {
      const r = await req('POST', '/auth/login', { json: { email, password: PASSWORD } });
      expect(r.status).toBe(200);
      return { access: r.body.tokens.access.token, refresh: r.body.tokens.refresh.token };
    }

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'gatehouse-3nodes-'));
      db = await sharedPgDatabase();
      prefix = withRedis ? runPrefix('3nodes') : undefined;
      const env: Record<string, string> = {
        DATABASE_URL: db.url,
        JWT_SECRET: randomBytes(32).toString('base64url'),
        GATEHOUSE_SECRET_KEY: randomBytes(32).toString('base64url'),
        GATEHOUSE_ADMIN_PASSWORD: randomBytes(12).toString('base64url'),
        PASSWORD_HASH_MEMORY_KIB: '1024',
        PASSWORD_HASH_ITERATIONS: '1',
        LOGIN_MAX_FAILURES: String(MAX_FAILURES),
        LOGIN_LOCKOUT_SECONDS: '600',
        LOGIN_MAX_FAILURES_PER_IP: '0',
        REGISTER_MAX_PER_IP: '0',
        ...(prefix ? { REDIS_URL: REDIS_TEST_URL, REDIS_PREFIX: prefix } : {}),
      };
      // All three at once on the empty database, as a deployment rolls them out.
      const started = await Promise.allSettled(['a', 'b', 'c'].map((n) => startNode(n, dir, env)));
      nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      const failed = started.find((s) => s.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      lb = await startNginx(join(dir, 'nginx'), nodes.map((n) => n.port));
    }, 90_000);

    afterAll(async () => {
      await stopNode(lb?.child);
      await Promise.all(nodes.map((n) => stopNode(n.child)));
      await db?.drop();
      if (prefix) await dropPrefix(prefix);
      rmSync(dir, { recursive: true, force: true });
    });

    it('the three nodes started together: one did the first start, all run, nginx spreads requests over them', async () => {
      // Ready answers before the first start's bootstrap ends: wait for one node to have shown the
      // default client's credentials (once, on stderr), then none may have died of the race.
      const c = await pg();
      const count = async (table: string) => Number((await c.query(`select count(*)::int as n from ${table}`)).rows[0].n);
      const shown = () => nodes.filter((n) => n.out().includes('Gatehouse first start')).length;
      await within(10_000, Date.now(), async () => shown() > 0 && (await count('users')) > 0);
      await new Promise((r) => setTimeout(r, 300));
      expect(await count('users')).toBe(1);
      expect(await count('clients')).toBe(1);
      await c.end();
      expect(shown()).toBe(1);
      for (const n of nodes) expect(n.child.exitCode, `node ${n.name} exited:\n${n.tail()}`).toBeNull();
      const seen = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const r = await fetch(`${lb!.url}/health/ready`);
        expect(r.status).toBe(200);
        expect((await r.json()).checks).toEqual({ database: 'up', 'revocation channel': 'up' });
        seen.add(r.headers.get('x-upstream')!);
      }
      expect([...seen].sort()).toEqual(nodes.map((n) => `127.0.0.1:${n.port}`).sort());
    });

    it('a token issued on A is refreshed on B, and after sign-out is refused on C (and everywhere) within a second', async () => {
      const email = await register(viaLb(), 'relay');
      const first = await login(at(0), email);
      expect(await bearerOk(at(1), first.access)).toBe(200);
      expect(await bearerOk(at(2), first.access)).toBe(200);

      const refreshed = await at(1)('POST', '/auth/refresh-tokens', { json: { refreshToken: first.refresh } });
      expect(refreshed.status).toBe(200);
      const second = { access: refreshed.body.access.token as string, refresh: refreshed.body.refresh.token as string };
      expect(second.refresh).not.toBe(first.refresh);
      // Rotation revoked the access token issued beside the old refresh token, on C too.
      const rotatedAt = Date.now();
      expect(await within(1000, rotatedAt, async () => (await bearerOk(at(2), first.access)) === 403)).toBeLessThan(1000);
      // C answers for the new one (and has it in its caches) before the sign-out.
      expect(await bearerOk(at(2), second.access)).toBe(200);
      expect(await bearerOk(at(0), second.access)).toBe(200);

      const signOutAt = Date.now();
      expect((await at(0)('POST', '/auth/logout', { json: { refreshToken: second.refresh } })).status).toBe(200);
      // A refuses at once (it wrote the revocation); C, then B, within a second of the sign-out.
      expect(await bearerOk(at(0), second.access)).toBe(403);
      for (const i of [2, 1]) expect(await within(1000, signOutAt, async () => (await bearerOk(at(i), second.access)) === 403)).toBeLessThan(1000);
      for (let i = 0; i < 3; i++) expect(await bearerOk(viaLb(), second.access)).toBe(403);
      // The refresh token of the ended session is refused by every node.
      for (let i = 0; i < 3; i++) expect((await at(i)('POST', '/auth/refresh-tokens', { json: { refreshToken: second.refresh } })).status).toBe(401);
    });

    it('a lockout earned through A holds on B, C and through nginx', async () => {
      const email = await register(viaLb(), 'locked');
      for (let i = 0; i < MAX_FAILURES; i++) {
        expect((await at(0)('POST', '/auth/login', { json: { email, password: `Wrong!pass${i}` } })).status).toBe(401);
      }
      const refused: Res[] = [];
      for (const req of [at(1), at(2), at(0), viaLb(), viaLb()]) refused.push(await req('POST', '/auth/login', { json: { email, password: PASSWORD } }));
      for (const r of refused) {
        expect(r.status).toBe(429);
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(500);
      }
      // The counters live where the mode says: in Redis under the run's prefix, else in the database.
      const c = await pg();
      const kv = Number((await c.query('select count(*)::int as n from kv')).rows[0].n);
      await c.end();
      if (withRedis) {
        const r = new Redis(REDIS_TEST_URL);
        const keys = await r.keys(`${prefix}*`);
        await r.quit();
        expect(keys.length).toBeGreaterThan(0);
        expect(kv).toBe(0);
      } else {
        expect(kv).toBeGreaterThan(0);
      }
    });

    it('20 parallel refreshes of one token, spread over the nodes by nginx: one succeeds and the family is revoked', async () => {
      // Signed up through nginx: the account's one session.
      const t = await signUp(viaLb(), 'race');
      const email = t.email;
      // nginx does not hand 20 requests at once to one node: check where they went.
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          fetch(`${lb!.url}/auth/refresh-tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: t.refresh }) }).then(async (r) => ({
            status: r.status,
            upstream: r.headers.get('x-upstream'),
            body: r.status === 200 ? ((await r.json()) as { access: { token: string }; refresh: { token: string } }) : (await r.text(), undefined),
          })),
        ),
      );
      expect(new Set(answers.map((a) => a.upstream)).size).toBe(3);
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses).toEqual([200, ...Array(19).fill(401)]);
      const winner = answers.find((a) => a.status === 200)!.body!;

      // Reuse ended the session: the winner's new refresh token is refused on every node...
      for (let i = 0; i < 3; i++) expect((await at(i)('POST', '/auth/refresh-tokens', { json: { refreshToken: winner.refresh.token } })).status).toBe(401);
      // ...and its access token, and the first one, are refused everywhere within a second.
      const since = Date.now();
      for (let i = 0; i < 3; i++) {
        await within(1000, since, async () => (await bearerOk(at(i), winner.access.token)) === 403);
        expect(await bearerOk(at(i), t.access)).toBe(403);
      }
      const c = await pg();
      const s = await c.query('select s.revoked_at, count(rt.hash)::int as tokens, count(rt.used_at)::int as used from sessions s join refresh_tokens rt on rt.session_id = s.id join users u on u.id = s.user_id where u.email = $1 group by s.id', [email]);
      await c.end();
      // One session, two refresh tokens (the first and the winner's), both used up, the session ended.
      expect(s.rows).toHaveLength(1);
      expect(s.rows[0]).toMatchObject({ tokens: 2, used: 2 });
      expect(s.rows[0].revoked_at).not.toBeNull();
    });

    it('SIGKILL of a node under a stream of sign-ups loses no acknowledged write, and the others keep serving', async () => {
      const victim = nodes[1]!;
      const victimAddr = `127.0.0.1:${victim.port}`;
      const survivors = [nodes[0]!, nodes[2]!].map((n) => `127.0.0.1:${n.port}`);
      type Sent = { email: string; status: number; upstream: string | null; start: number };
      const sent: Sent[] = [];
      let stop = false;
      const WORKERS = 6;
      const worker = async (w: number) => {
        for (let i = 0; !stop; i++) {
          const email = `load.${w}.${i}.${tag}@example.com`;
          const start = Date.now();
          const r = await fetch(`${lb!.url}/auth/register`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ name: 'Load Tester', email, password: PASSWORD, confirm: PASSWORD }),
          }).then(
            async (res) => ({ status: res.status, upstream: res.headers.get('x-upstream'), text: await res.text() }),
            () => ({ status: 0, upstream: null, text: '' }),
          );
          sent.push({ email, status: r.status, upstream: r.upstream, start });
        }
      };
      const isOk = (s: Sent) => s.status >= 200 && s.status < 300;
      const running = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
      // Counted rather than timed, as the machine may be busy: the kill comes once the victim
      // has acknowledged writes of its own, and the stream goes on for 20 writes after it.
      await within(15_000, Date.now(), async () => sent.filter(isOk).length >= 15 && sent.some((s) => isOk(s) && s.upstream === victimAddr));
      const killedAt = Date.now();
      victim.child.kill('SIGKILL');
      await victim.exited;
      const goneAt = Date.now();
      await within(15_000, goneAt, async () => sent.filter((s) => s.start >= goneAt).length >= 20).finally(() => (stop = true));
      await running;

      const ok = sent.filter(isOk);
      const failed = sent.filter((s) => !isOk(s));
      // The victim was taking its share of writes before it died.
      expect(ok.filter((s) => s.start < killedAt && s.upstream === victimAddr).length).toBeGreaterThan(0);
      // Only requests the victim held when it died fail (nginx does not replay a POST it had
      // sent), as 502: nothing else, and nothing sent once it was gone.
      expect(failed.length).toBeLessThanOrEqual(WORKERS);
      for (const f of failed) {
        expect(f.status).toBe(502);
        expect(f.start).toBeLessThan(goneAt);
      }
      // After the death, nginx passes everything to the two survivors, both of them serving.
      const after = sent.filter((s) => s.start >= goneAt);
      expect(after.length).toBeGreaterThanOrEqual(20);
      for (const s of after) {
        expect(s.status).toBe(201);
        expect(survivors).toContain(s.upstream!.split(', ').at(-1));
      }
      expect(new Set(after.map((s) => s.upstream!.split(', ').at(-1))).size).toBe(2);

      // Every acknowledged sign-up is in the database...
      const c = await pg();
      const found = await c.query<{ email: string }>('select email from users where email = any($1)', [ok.map((s) => s.email)]);
      await c.end();
      expect(new Set(found.rows.map((r) => r.email))).toEqual(new Set(ok.map((s) => s.email)));
      // ...and usable: accounts the victim created sign in through the survivors.
      for (const s of ok.filter((s) => s.upstream === victimAddr).slice(0, 2)) {
        const t = await login(viaLb(), s.email);
        expect(await bearerOk(viaLb(), t.access)).toBe(200);
      }
      for (const n of [nodes[0]!, nodes[2]!]) expect((await fetch(`${n.url}/health/ready`)).status).toBe(200);
    });
  });
}

cluster('PostgreSQL only', baseSkip);
cluster('PostgreSQL + Redis', redisSkip);
