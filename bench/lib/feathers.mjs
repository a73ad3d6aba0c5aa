// The Feathers wire format as the bench drives it, against Gatehouse's Feathers dialect and the
// Feathers peer alike: REST sign-in (`POST /authentication`), `GET /users/:id` with the access
// token, and socket.io service calls on signed-in connections.
import { cpuSecondsOf } from './proc.mjs';
import { connect, runSocketLoad } from './socketio.mjs';

const json = { 'content-type': 'application/json' };

/** A local-strategy sign-in: {accessToken, user}; throws with the answer otherwise. */
export async function signIn(url, body) {
  const r = await fetch(url + '/authentication', { method: 'POST', headers: json, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  const text = await r.text();
  let b;
  try {
    b = JSON.parse(text);
  } catch {
    b = undefined;
  }
  if (r.status !== 201 || !b?.accessToken) throw new Error(`POST /authentication answered ${r.status}: ${text.slice(0, 500)}`);
  return b;
}

/** Sign-ins of every body, a few at a time (each is one password verify). */
export async function signInMany(url, bodies) {
  const out = [];
  for (let i = 0; i < bodies.length; i += 4) out.push(...(await Promise.all(bodies.slice(i, i + 4).map((b) => signIn(url, b)))));
  return out;
}

/** The user reading their own record over REST (an autocannon request). */
export const getOwnRecord = ({ accessToken, user }) => ({ method: 'GET', path: `/users/${user.id}`, headers: { authorization: `Bearer ${accessToken}` } });

/**
 * socket.io `get users <own id>` round trips: one connection per sign-in, each signed in with its
 * access token (`create authentication`, strategy jwt) and then keeping `inFlight` calls
 * outstanding; a warm-up window, then the measured one. Without `auths` (the echo ceiling)
 * `connections` anonymous connections call `get` the same way. The CPU time the server and this
 * process (the load generator) used in the measured window is returned beside the rates, to show
 * which side was the bottleneck.
 */
export async function measureSockets({ url, auths, connections, inFlight, warmup, duration, serverPid }) {
  const c = await connect(url, auths ? { tokens: auths.map((a) => a.accessToken) } : { connections });
  try {
    const call = (i) => ['get', 'users', auths ? auths[i].user.id : i + 1, {}];
    await runSocketLoad({ sockets: c.sockets, call, inFlight, seconds: warmup });
    const server0 = serverPid ? cpuSecondsOf(serverPid) : null;
    const client0 = process.cpuUsage();
    const r = await runSocketLoad({ sockets: c.sockets, call, inFlight, seconds: duration });
    const client = process.cpuUsage(client0);
    const server1 = serverPid ? cpuSecondsOf(serverPid) : null;
    return {
      ...r,
      connections: c.sockets.length,
      inFlight,
      // Fractions of one core over the window and its late acknowledgements.
      serverCpu: server0 === null || server1 === null ? null : (server1 - server0) / r.elapsed,
      clientCpu: (client.user + client.system) / 1e6 / r.elapsed,
    };
  } finally {
    c.close();
  }
}
