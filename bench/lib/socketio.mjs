// Load over socket.io, as a Feathers client calls services: `connections` socket.io-client
// connections (websocket transport), each optionally signed in with
// `emit('create', 'authentication', {strategy: 'jwt', accessToken}, {}, cb)`, then each keeping
// `inFlight` calls outstanding (`emit(event, ...args, cb)`, the next one sent when one is
// acknowledged) for a fixed time. Latencies are taken from each acknowledgement; an ack with an
// error (Feathers answers `cb(error)`) counts as an error.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarize } from './load.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// The root's socket.io-client (a dev dependency of Gatehouse, as in its own tests).
const rootRequire = createRequire(join(ROOT, 'package.json'));

export function clientVersion() {
  try {
    return rootRequire('socket.io-client/package.json').version;
  } catch {
    return '(not installed: npm ci at the root)';
  }
}

function emitAck(socket, args, timeoutMs) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer to ${args[0]} ${args[1]} in ${timeoutMs} ms`)), timeoutMs);
    socket.emit(...args, (error, result) => {
      clearTimeout(t);
      if (error) reject(new Error(`${args[0]} ${args[1]} failed: ${JSON.stringify(error)}`));
      else resolve(result);
    });
  });
}

/**
 * Opens `tokens.length` (or `connections`) connections; with `tokens`, connection i signs in with
 * tokens[i]. Returns {sockets, close()}.
 */
export async function connect(url, { connections, tokens, timeoutMs = 10_000 }) {
  const { io } = rootRequire('socket.io-client');
  const n = tokens ? tokens.length : connections;
  const sockets = [];
  const close = () => {
    for (const s of sockets) s.disconnect();
  };
  try {
    for (let i = 0; i < n; i++) {
      const s = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: timeoutMs });
      sockets.push(s);
      await new Promise((resolve, reject) => {
        s.once('connect', resolve);
        s.once('connect_error', (e) => reject(new Error(`socket.io connection to ${url} failed: ${e.message}`)));
      });
      if (tokens) {
        const r = await emitAck(s, ['create', 'authentication', { strategy: 'jwt', accessToken: tokens[i] }, {}], timeoutMs);
        if (!r?.accessToken) throw new Error(`socket sign-in answered ${JSON.stringify(r)}`);
      }
    }
  } catch (e) {
    close();
    throw e;
  }
  return { sockets, close };
}

/**
 * One fixed-duration closed loop over open connections: `call(i)` gives the emit arguments
 * (without the callback) of a call on connection i. Calls acknowledged after the deadline are
 * not counted; the run waits (bounded) for them so the next run starts on quiet connections.
 */
export async function runSocketLoad({ sockets, call, inFlight, seconds, timeoutSec = 10 }) {
  const stats = { ok: 0, non2xx: 0, errors: 0, timeouts: 0, latencies: [] };
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let outstanding = 0;
  let drained;
  const allDone = new Promise((resolve) => (drained = resolve));
  const send = (s, args) => {
    outstanding++;
    const start = performance.now();
    s.emit(...args, (error) => {
      outstanding--;
      const now = performance.now();
      if (now <= end) {
        if (error) stats.non2xx++;
        else {
          stats.ok++;
          stats.latencies.push(now - start);
        }
        send(s, args);
      } else if (outstanding === 0) drained();
    });
  };
  sockets.forEach((s, i) => {
    const args = call(i);
    for (let k = 0; k < inFlight; k++) send(s, args);
  });
  let timer;
  const timedOut = new Promise((resolve) => (timer = setTimeout(() => resolve(true), seconds * 1000 + timeoutSec * 1000)));
  const late = await Promise.race([allDone.then(() => false), timedOut]);
  clearTimeout(timer);
  if (late) stats.timeouts += outstanding;
  // `elapsed`: the window and the wait for its late acknowledgements.
  return { ...summarize({ ...stats, seconds, perOp: 1 }), elapsed: (performance.now() - t0) / 1000 };
}
