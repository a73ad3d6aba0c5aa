import type { FastifyReply } from 'fastify';
import { CoreError } from '../../core/errors.js';

/**
 * The lockout answer every dialect gives (issue 10: one place per rule). Core fails with
 * `locked` when the login throttle or a quota refuses; each dialect wraps this in its own
 * envelope, so only the wrapping differs between them.
 */
export interface Lockout {
  status: 429;
  /** Seconds for `Retry-After`; core always sets it (≥ 1), 1 covers a `locked` raised without it. */
  retryAfter: number;
  message: string;
}

export const LOCKOUT_MESSAGE = 'Too many failed attempts, try again later';

/** The 429 answer for a `locked` core failure, undefined for anything else. */
export function lockout(e: unknown): Lockout | undefined {
  if (!(e instanceof CoreError) || e.code !== 'locked') return undefined;
  return { status: 429, retryAfter: e.detail.retryAfter ?? 1, message: LOCKOUT_MESSAGE };
}

/** Sets `Retry-After` when there is a wait to announce (dialect errors carry it optionally). */
export function setRetryAfter(reply: FastifyReply, seconds: number | undefined): void {
  if (seconds) reply.header('retry-after', String(seconds));
}
