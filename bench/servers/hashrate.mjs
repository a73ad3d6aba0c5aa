// Raw password-verify rate of one algorithm, in a process of its own, with `concurrency` verifies
// in flight for a fixed time (the same number the login scenarios keep in flight). Prints one JSON
// line: {algorithm, params, rate, count, seconds}.
//   node hashrate.mjs argon2id <seconds> <concurrency> [memoryKib iterations parallelism]
//   node hashrate.mjs scrypt   <seconds> <concurrency>     better-auth's default (node:crypto scrypt)
//   node hashrate.mjs bcryptjs <seconds> <concurrency>     Feathers' default (bcryptjs, 10 rounds)
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const [algorithm, secondsArg, concArg, ...rest] = process.argv.slice(2);
const seconds = Number(secondsArg ?? 5);
const concurrency = Number(concArg ?? 10);
const password = 'bench-password-1';
const root = createRequire(fileURLToPath(new URL('../../package.json', import.meta.url)));
const bench = createRequire(fileURLToPath(new URL('../package.json', import.meta.url)));

let verify;
let params;
if (algorithm === 'argon2id') {
  const { hash, verify: v } = root('@node-rs/argon2');
  const [m = 19456, t = 2, p = 1] = rest.map(Number);
  params = `m=${m},t=${t},p=${p}`;
  const stored = await hash(password, { algorithm: 2, memoryCost: m, timeCost: t, parallelism: p });
  verify = () => v(stored, password);
} else if (algorithm === 'scrypt') {
  const { hashPassword, verifyPassword } = await import(bench.resolve('better-auth/crypto'));
  params = 'N=16384,r=16,p=1 (better-auth default)';
  const stored = await hashPassword(password);
  verify = () => verifyPassword({ hash: stored, password });
} else if (algorithm === 'bcryptjs') {
  const bcrypt = bench('bcryptjs');
  params = '10 rounds (@feathersjs/authentication-local default)';
  const stored = await bcrypt.hash(password, 10);
  verify = () => bcrypt.compare(password, stored);
} else {
  console.error(`unknown algorithm ${algorithm}`);
  process.exit(2);
}

async function loop(deadline, counter) {
  while (Date.now() < deadline) {
    if (!(await verify())) throw new Error('verify failed');
    counter.n++;
  }
}
// Warm-up, then the measured window (verifies finishing after the deadline are not counted).
await Promise.all(Array.from({ length: concurrency }, () => loop(Date.now() + Math.min(2000, seconds * 200), { n: 0 })));
const counter = { n: 0 };
const t0 = Date.now();
const end = t0 + seconds * 1000;
await Promise.all(Array.from({ length: concurrency }, () => loop(end, counter)));
const elapsed = (Date.now() - t0) / 1000;
console.log(JSON.stringify({ algorithm, params, rate: counter.n / elapsed, count: counter.n, seconds: elapsed, concurrency, threadpool: Number(process.env.UV_THREADPOOL_SIZE ?? 4) }));
