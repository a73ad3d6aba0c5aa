import type { CustomFetch } from 'openid-client';
import { CoreError } from '../errors.js';

/** Plain http is for tests and local development only: a provider on this machine. */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export const isLoopback = (u: URL): boolean => u.protocol === 'http:' && LOOPBACK.has(u.hostname);

/** Whether a URL names this machine whatever its scheme (every 127/8 address, 0.0.0.0, `::1`, `*.localhost`…). */
export function onThisMachine(raw: string): boolean {
  if (!URL.canParse(raw)) return false;
  const h = new URL(raw).hostname.toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '0.0.0.0' || h === '[::1]' || h === '[::]' || h.startsWith('[::ffff:7f') || h.startsWith('[::ffff:127.');
}

/** Whether a provider URL may be called: https, or http on the loopback interface. */
export function callable(raw: string | undefined): boolean {
  if (!raw || !URL.canParse(raw)) return false;
  const u = new URL(raw);
  return u.protocol === 'https:' || isLoopback(u);
}

/** Answers bigger than this are not a discovery document, a key set, a profile or a token answer. */
const MAX_BODY = 1 << 20;

/** Statuses whose Response may carry no body. */
const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * The answer with its body cut at MAX_BODY: openid-client and jose read bodies whole, so a
 * provider streaming without end would otherwise fill memory until the time limit.
 */
function capped(res: Response): Response {
  if (!res.body || NULL_BODY.has(res.status)) return res;
  let size = 0;
  const body = res.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, ctl) {
        size += chunk.byteLength;
        // Erroring the transform cancels the provider's body, which closes the connection.
        if (size > MAX_BODY) ctl.error(new CoreError('upstream_failed', 'the provider answered too much'));
        else ctl.enqueue(chunk);
      },
    }),
  );
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}

/** Every call upstream ends within `timeoutMs` and reads at most MAX_BODY, whatever the provider does (issue item 6). */
export function timedFetch(timeoutMs: number): CustomFetch {
  return async (url, options) => {
    const limit = AbortSignal.timeout(timeoutMs);
    // openid-client's body type is fetch's BodyInit under another name (Node's typings disagree on Uint8Array).
    const res = await fetch(url, { ...options, body: options.body as BodyInit | null | undefined, signal: options.signal ? AbortSignal.any([options.signal, limit]) : limit });
    if (Number(res.headers.get('content-length') ?? 0) > MAX_BODY) {
      await res.body?.cancel();
      throw new CoreError('upstream_failed', 'the provider answered too much');
    }
    return capped(res);
  };
}

async function readCapped(res: Response): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY) throw new CoreError('upstream_failed', 'profile answer too large');
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY) {
      await reader.cancel();
      throw new CoreError('upstream_failed', 'profile answer too large');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * GETs a profile API with the access token (plain OAuth2 providers). A refused token (401,
 * 403) is the provider's refusal; any other failure, a timeout or an answer that is not JSON
 * means the provider failed.
 */
export function profileFetcher(timeoutMs: number) {
  const timed = timedFetch(timeoutMs);
  return async (url: string, accessToken: string, headers: Record<string, string> = {}): Promise<unknown> => {
    if (!callable(url)) throw new CoreError('upstream_failed', 'profile URL is neither https nor loopback');
    const res = await timed(url, { method: 'GET', redirect: 'manual', body: undefined, headers: { accept: 'application/json', ...headers, authorization: `Bearer ${accessToken}` } });
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new CoreError('upstream_rejected', `profile API answered ${res.status}`);
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new CoreError('upstream_failed', `profile API answered ${res.status}`);
    }
    const text = await readCapped(res);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new CoreError('upstream_failed', 'profile API answered no JSON');
    }
  };
}

/**
 * Instagram's token answer lacks `token_type`, which openid-client (rightly, RFC 6749 §5.1)
 * requires: this adds `bearer` to a successful JSON answer of `tokenUrl` that has none.
 */
export function addTokenType(inner: CustomFetch, tokenUrl: string): CustomFetch {
  return async (url, options) => {
    const res = await inner(url, options);
    if (url !== tokenUrl || res.status !== 200 || !(res.headers.get('content-type') ?? '').includes('json')) return res;
    const text = await readCapped(res);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return new Response(text, { status: res.status, headers: res.headers });
    }
    if (body && typeof body === 'object' && !Array.isArray(body) && !('token_type' in body) && 'access_token' in body) (body as Record<string, unknown>).token_type = 'bearer';
    const headers = new Headers(res.headers);
    headers.delete('content-length');
    return new Response(JSON.stringify(body), { status: res.status, headers });
  };
}
