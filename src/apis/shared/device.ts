import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../core/index.js';
import { header } from '../request-info.js';

/** The device cookie: an opaque id that a successful sign-in makes trusted for that account. */
export const DEVICE_COOKIE = 'gatehouse_device';

/** The device cookie's value sent with the request (first one wins), if any. */
function sentDevice(req: FastifyRequest): string | undefined {
  const raw = header(req, 'cookie');
  if (!raw) return undefined;
  for (const part of raw.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === DEVICE_COOKIE) return part.slice(i + 1).trim();
  }
  return undefined;
}

/**
 * The device a sign-in comes from: the id its cookie carries, or a new one. Pass it to core with
 * the credentials and call `trustDevice` when they were right, so that failures from elsewhere
 * do not lock this browser out of the account (decision 14).
 */
export function deviceOf(core: Core, req: FastifyRequest): string {
  return core.throttle.deviceId(sentDevice(req));
}

/** Sets (or renews) the device cookie after a successful sign-in. */
export function trustDevice(core: Core, reply: FastifyReply, device: string): void {
  const secure = core.config.publicUrl.startsWith('https:') ? '; Secure' : '';
  const cookie = `${DEVICE_COOKIE}=${device}; Path=/; Max-Age=${core.config.loginTrustSeconds}; HttpOnly; SameSite=Lax${secure}`;
  const prev = reply.getHeader('set-cookie');
  reply.header('set-cookie', prev === undefined ? [cookie] : [...(Array.isArray(prev) ? prev : [String(prev)]), cookie]);
}
