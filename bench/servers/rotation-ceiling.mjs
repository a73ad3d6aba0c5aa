// The ceiling of refresh (issue 14 §4): the statements one rotation runs, in a loop, on the same
// store (SQLite file or PostgreSQL database) through the same store code (dist/store: the same
// driver, connection pool, prepared-statement cache and Kysely pass), with no HTTP, no JSON and
// no token minting. `concurrency` chains run at once (the refresh scenario's connection count),
// each rotating the token its previous rotation made. Prints one JSON line as its last line:
// {rate, p50, p99, count, errors, seconds, cpuMsPerOp, concurrency, statements}.
//
//   node rotation-ceiling.mjs <DATABASE_URL> <seconds> <concurrency> <firstUser> [warmupSeconds]
//
// One rotation in Gatehouse (`POST /auth/token-refresh`: core/sessions rotate with the ARC
// minter, apis/arc/session.ts), statement by statement as PostgreSQL logs them (log_statement=all):
//   1. select refresh_tokens ⋈ sessions by the token's hash           (store sessions.refresh)
//   2. select users by id: blocked or deleted accounts keep no session  (users.byId)
//   3. select clients by id (the session's client, for the claims)     (clients.byId)
//   4. the profile for the claims: select users by id, then user_clients beside
//      user_groups ⋈ groups, roles, role_scopes ⋈ scopes, user_scopes  (accounts.profile)
//   5. begin; update refresh_tokens … where used_at is null; insert refresh_tokens;
//      update sessions; insert access_events (revoke the access token paired with the old
//      refresh token); commit                                           (sessions.rotate)
//   6. on PostgreSQL a coalesced pg_notify                              (the feed's wake-up)
// This loop runs steps 1–6 through the same store functions, in the same order (4's two
// branches in parallel, as accounts.profile runs them). What it leaves out is what is not a
// statement: HTTP, JSON, hashing the tokens, signing the access token.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const [url, secondsArg, concArg, firstArg, warmArg] = process.argv.slice(2);
const seconds = Number(secondsArg ?? 4);
const concurrency = Number(concArg ?? 10);
const firstUser = Number(firstArg ?? 900);
const warmup = Number(warmArg ?? Math.min(2, seconds / 2));

const imp = (p) => import(pathToFileURL(join(ROOT, 'dist', p)).href);
const { openStore } = await imp('store/index.js');
const { sha256, randomHex } = await imp('core/util/crypto.js');

const { sql } = await import(pathToFileURL(join(ROOT, 'node_modules', 'kysely', 'dist', 'esm', 'index.js')).href);
const store = await openStore(url, { migrate: false });
/** CPU seconds (user + system) of a process so far (Linux /proc; 0 when it is gone). */
function cpuSecondsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}
const benchClient = await store.db.selectFrom('clients').select('id').where('client_id', '=', 'bench').where('deleted_at', 'is', null).executeTakeFirst();
const REFRESH_TTL_MS = 86_400_000;
const ACCESS_TTL_MS = 900_000;

/** One chain: a session of its own (user firstUser + i), rotated in a loop. */
async function newChain(i) {
  const user = await store.users.byUsername(`user${firstUser + i}`);
  if (!user) throw new Error(`no user${firstUser + i} in the store`);
  const now = Date.now();
  const token = randomHex(32);
  const session = await store.sessions.create(
    { uuid: crypto.randomUUID(), user_id: user.id, client_id: benchClient?.id ?? null, kind: 'arc', source: 'password', device_id: null, user_agent: null, ip: null, created_at: now, last_used_at: now, expires_at: now + REFRESH_TTL_MS },
    { hash: sha256(token), access_sig: sha256(randomHex(16)), access_exp: now + ACCESS_TTL_MS, expires_at: now + REFRESH_TTL_MS },
  );
  return { token, sessionId: session.id };
}

/** One rotation: the statements Gatehouse's rotation runs (steps 1–4 above). */
async function rotate(chain) {
  const rt = await store.sessions.refresh(sha256(chain.token));
  const now = Date.now();
  if (!rt || rt.used_at !== null || rt.expires_at <= now || rt.session.revoked_at !== null) throw new Error('chain broken');
  const account = await store.users.byId(rt.session.user_id);
  if (!account) throw new Error('account gone');
  const client = rt.session.client_id === null ? undefined : await store.clients.byId(rt.session.client_id);
  const user = await store.users.byId(rt.session.user_id);
  const [access, clientIds] = await Promise.all([store.rbac.access(user.id, user.default_group_id), store.users.clientIds(user.id)]);
  if (client && !clientIds.includes(client.id)) throw new Error('client not allowed');
  if (!access) throw new Error('no access');
  const next = randomHex(32);
  // An access token's signature hash stands for the one a real rotation mints (sha256 of 32 random bytes' text).
  const paired = rt.access_sig && rt.access_exp && rt.access_exp > now ? { key: rt.access_sig, until: rt.access_exp } : undefined;
  const won = await store.sessions.rotate(rt.hash, rt.session_id, { hash: sha256(next), access_sig: sha256(randomHex(32)), access_exp: now + ACCESS_TTL_MS, expires_at: now + REFRESH_TTL_MS }, now, paired);
  if (!won) throw new Error('rotation lost a race it cannot have');
  if (paired) store.accessEvents.signal?.publish();
  chain.token = next;
}

async function loop(chain, deadline, out) {
  while (Date.now() < deadline) {
    const t0 = process.hrtime.bigint();
    try {
      await rotate(chain);
      out.count++;
      out.latencies?.push(Number(process.hrtime.bigint() - t0) / 1e6);
    } catch (e) {
      out.errors++;
      out.lastError = String(e?.message ?? e);
      Object.assign(chain, await newChain(chain.i));
    }
  }
}

const chains = [];
for (let i = 0; i < concurrency; i++) chains.push({ i, ...(await newChain(i)) });
await Promise.all(chains.map((c) => loop(c, Date.now() + warmup * 1000, { count: 0, errors: 0 })));
const out = { count: 0, errors: 0, latencies: [] };
// On PostgreSQL, the CPU time of the database's backends too (/proc; the idle server's own
// backends are among them, and add only its feed polls).
const pg = url.startsWith('postgres');
const backendCpu = async () => {
  if (!pg) return null;
  const { rows } = await sql`select pid from pg_stat_activity where datname = current_database()`.execute(store.db);
  let t = 0;
  for (const { pid } of rows) t += cpuSecondsOf(pid);
  return t;
};
const db0 = await backendCpu();
const cpu0 = process.cpuUsage();
const t0 = Date.now();
await Promise.all(chains.map((c) => loop(c, t0 + seconds * 1000, out)));
const elapsed = (Date.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const db1 = await backendCpu();
await store.close();
const lat = Float64Array.from(out.latencies).sort();
const pct = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.max(0, Math.ceil((p / 100) * lat.length) - 1))] : null);
console.log(
  JSON.stringify({
    rate: out.count / elapsed,
    p50: pct(50),
    p99: pct(99),
    count: out.count,
    errors: out.errors,
    lastError: out.lastError,
    seconds: elapsed,
    // CPU of this process (the statements' driving: driver, pool, Kysely) per rotation, ms.
    cpuMsPerOp: out.count ? (cpu.user + cpu.system) / 1000 / out.count : null,
    dbCpuMsPerOp: pg && out.count ? ((db1 - db0) * 1000) / out.count : null,
    concurrency,
    store: url.startsWith('postgres') ? 'postgres' : 'sqlite',
    statements: `15 per rotation: 9 selects, begin, update, insert, update, insert access_events, commit${url.startsWith('postgres') ? ', and a coalesced pg_notify' : ''}`,
  }),
);
