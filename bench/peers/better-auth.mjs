// Peer: better-auth with email and password on SQLite (better-sqlite3, WAL as Gatehouse uses), on
// node:http through its own Node handler. Defaults otherwise, except the rate limiter (it would
// answer 429 to any load test; Gatehouse's throttle counts only failed sign-ins, so is never hit).
// Passwords use better-auth's default hash (scrypt N=16384, r=16, p=1 on node:crypto).
//   POST /api/auth/sign-in/email {email, password} → session cookie
//   GET  /api/auth/get-session with the session cookie
// Env: PORT, DB (SQLite file), USERS (how many users bench0@bench.test… to create), PASSWORD.
import http from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { betterAuth } from 'better-auth';
import { toNodeHandler } from 'better-auth/node';
import { getMigrations } from 'better-auth/db/migration';

const Database = createRequire(fileURLToPath(new URL('../../package.json', import.meta.url)))('better-sqlite3');

const port = Number(process.env.PORT);
const users = Number(process.env.USERS ?? 20);
const password = process.env.PASSWORD ?? 'bench-Passw0rd!';
const baseURL = `http://127.0.0.1:${port}`;

const sqlite = new Database(process.env.DB);
sqlite.pragma('journal_mode = WAL');
sqlite.pragma('synchronous = NORMAL');

const auth = betterAuth({
  database: sqlite,
  baseURL,
  secret: 'bench-better-auth-secret-0123456789abcdef',
  emailAndPassword: { enabled: true },
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  logger: { level: 'error' },
});

const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

const have = sqlite.prepare('select count(*) as n from user').get().n;
for (let i = have; i < users; i++) {
  await auth.api.signUpEmail({ body: { email: `bench${i}@bench.test`, password, name: `Bench ${i}` } });
}

const handler = toNodeHandler(auth);
const server = http.createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ok"}');
    return;
  }
  handler(req, res);
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
