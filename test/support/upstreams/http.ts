import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Plumbing shared by the test upstreams: every server they start is tracked here so that
 * `closeAllUpstreams()` can end whatever a failing test left running, and requests held open on
 * purpose ('slow') are released when their upstream closes, so no test hangs on them.
 */

const running = new Set<() => Promise<void>>();

/** Registers a close function; returns one that closes once and unregisters itself. */
export function track(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  const once = (): Promise<void> => {
    closing ??= close().finally(() => running.delete(once));
    return closing;
  };
  running.add(once);
  return once;
}

/** Closes every upstream still open (for an `afterAll`). */
export async function closeAllUpstreams(): Promise<void> {
  await Promise.all([...running].map((close) => close()));
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** A node:http server on 127.0.0.1 with a free port; a handler that throws answers 500. */
export async function listen(handler: Handler): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error', error_description: (e as Error).message });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return { server, port, close };
}

export async function readBody(req: IncomingMessage, limit = 1 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Holds a request for `ms` (a provider too slow to answer), then runs `then`. `release()` ends every
 * held request at once by destroying its socket: the client sees a dropped connection, never a hang.
 */
export function holder() {
  const held = new Set<{ timer: NodeJS.Timeout; res: ServerResponse }>();
  return {
    hold(res: ServerResponse, ms: number, then: () => void): void {
      const entry = { res, timer: setTimeout(() => (held.delete(entry), then()), ms) };
      held.add(entry);
      res.on('close', () => (clearTimeout(entry.timer), held.delete(entry)));
    },
    release(): void {
      for (const entry of held) {
        clearTimeout(entry.timer);
        entry.res.destroy();
      }
      held.clear();
    },
  };
}

/** HTTP Basic credentials, each part form-decoded as RFC 6749 §2.3.1 asks. */
export function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const form = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  return { id: form(decoded.slice(0, colon)), secret: form(decoded.slice(colon + 1)) };
}

/** A browser's cookie jar, small: name + path, path-prefix matching, deletion by expiry. */
export function cookieJar() {
  const jar = new Map<string, { name: string; value: string; path: string }>();
  return {
    store(res: Response): void {
      for (const line of res.headers.getSetCookie()) {
        const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
        const eq = pair.indexOf('=');
        const name = pair.slice(0, eq);
        const value = pair.slice(eq + 1);
        let path = '/';
        let gone = value === '';
        for (const attr of attrs) {
          const [k = '', v = ''] = attr.split('=');
          if (k.toLowerCase() === 'path') path = v;
          if (k.toLowerCase() === 'max-age' && Number(v) <= 0) gone = true;
          if (k.toLowerCase() === 'expires' && Date.parse(v) <= Date.now()) gone = true;
        }
        if (gone) jar.delete(`${name};${path}`);
        else jar.set(`${name};${path}`, { name, value, path });
      }
    },
    header(url: URL): string {
      return [...jar.values()]
        .filter((c) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
        .map((c) => `${c.name}=${c.value}`)
        .join('; ');
    },
  };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" };
const unescape = (s: string) => s.replace(/&(amp|lt|gt|quot|#\d+|#x[0-9a-f]+);/gi, (_m, e: string) => ENTITIES[e] ?? String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1))));
const attr = (tag: string, name: string) => {
  const m = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag);
  return m ? unescape(m[1] as string) : undefined;
};

/** The first form of a page: its action and its named inputs (enough for the pages these upstreams serve). */
export function parseForm(html: string): { action: string; fields: URLSearchParams } | undefined {
  const m = /<form\b[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!m) return undefined;
  const tag = m[0].slice(0, m[0].indexOf('>') + 1);
  const fields = new URLSearchParams();
  for (const input of (m[1] as string).match(/<input\b[^>]*>/gi) ?? []) {
    const name = attr(input, 'name');
    if (name) fields.set(name, attr(input, 'value') ?? '');
  }
  return { action: attr(tag, 'action') ?? '', fields };
}
