import type { ExternalProfile } from './types.js';
import type { Account } from '../accounts/accounts.js';
import { randomHex } from '../util/crypto.js';

const MAX = 40;

/** Lower-case letters, digits, `.`, `_` and `-`: a name every dialect's clients can show and type. */
function tidy(s: string | undefined): string {
  return (s ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '')
    .replace(/^[._-]+|[._-]+$/g, '')
    .slice(0, MAX);
}

/**
 * A username for an account created by a provider: the provider's username, else the email's
 * local part, else `<provider>-<subject>`; a taken one gets `-2`, `-3`…, then a random suffix.
 * Races are settled by the unique index (the sign-up retries with a fresh look).
 */
export async function freeUsername(p: ExternalProfile, taken: (username: string) => Promise<Account | undefined>): Promise<string> {
  const base = tidy(p.username) || tidy(p.email?.split('@')[0]) || tidy(`${p.provider}-${p.subject}`) || `user-${randomHex(4)}`;
  for (let n = 1; n <= 5; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    if (!(await taken(candidate))) return candidate;
  }
  return `${base}-${randomHex(4)}`;
}
