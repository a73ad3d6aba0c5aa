import type { FastifyReply, FastifyRequest } from 'fastify';
import { header } from '../../request-info.js';

/** Binds a sign-in's state to the browser that started it (login CSRF: a callback from another browser fails). */
export const STATE_COOKIE = 'feathers_oauth';

/** What the cookie carries: the state sent upstream, the provider, and the (checked) app URL, for error redirects. */
export interface BoundState {
  state: string;
  provider: string;
  appUrl: string;
}

function attributes(secure: boolean, maxAge: number): string {
  // Lax: the provider's redirect back is a top-level GET navigation, which carries Lax cookies.
  return `Path=/oauth; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

function append(reply: FastifyReply, cookie: string): void {
  const prev = reply.getHeader('set-cookie');
  reply.header('set-cookie', prev === undefined ? [cookie] : [...(Array.isArray(prev) ? prev : [String(prev)]), cookie]);
}

/** Lives as long as the engine keeps the state (FEDERATION_STATE_SECONDS). */
export function setBoundState(reply: FastifyReply, b: BoundState, o: { secure: boolean; seconds: number }): void {
  const value = Buffer.from(JSON.stringify([b.state, b.provider, b.appUrl])).toString('base64url');
  append(reply, `${STATE_COOKIE}=${value}; ${attributes(o.secure, o.seconds)}`);
}

/** The state is single use: the callback clears the cookie whatever the outcome. */
export function clearBoundState(reply: FastifyReply, secure: boolean): void {
  append(reply, `${STATE_COOKIE}=; ${attributes(secure, 0)}`);
}

/** The cookie sent with the request, if any and well formed (first one wins). */
export function boundState(req: FastifyRequest): BoundState | undefined {
  const raw = header(req, 'cookie');
  if (!raw) return undefined;
  for (const part of raw.split(';')) {
    const i = part.indexOf('=');
    if (i <= 0 || part.slice(0, i).trim() !== STATE_COOKIE) continue;
    try {
      const v: unknown = JSON.parse(Buffer.from(part.slice(i + 1).trim(), 'base64url').toString('utf8'));
      if (Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'string' && x !== '')) {
        const [state, provider, appUrl] = v as [string, string, string];
        return { state, provider, appUrl };
      }
    } catch {
      // A cookie that is not ours is no cookie.
    }
    return undefined;
  }
  return undefined;
}
