import type { UserRow } from '../../store/users.js';
import type { UsersRepo } from '../../store/users.js';
import type { AuditLog } from '../audit.js';
import type { OneTimeCodes } from '../tokens/codes.js';
import type { Mailer } from '../notify/mailer.js';
import { fail } from '../errors.js';
import { randomAlnum } from '../util/crypto.js';

/** Pending verifications do not expire in the original; ours last a year. */
const STIPULATION_TTL_SEC = 365 * 24 * 3600;


/**
 * Email verification holds ("stipulations"): while one is pending, password logins are refused
 * with `unsatisfied-stipulations`. The code is stored hashed and mailed as an activation link.
 */
export function stipulations(d: { codes: OneTimeCodes; users: UsersRepo; mail: Mailer; audit: AuditLog; baseUrl: string; company: string }) {
  return {
    async require(user: UserRow): Promise<void> {
      const code = randomAlnum(18);
      await d.codes.issue({ purpose: 'stipulation', secret: code, ttlSec: STIPULATION_TTL_SEC, userId: user.id, subject: user.uuid });
      if (user.email) {
        const link = `${d.baseUrl.replace(/\/$/, '')}/#/activate?account=${encodeURIComponent(user.uuid)}&token=${encodeURIComponent(code)}`;
        d.mail.sendLater({ to: user.email, subject: `Verify Email for ${d.company}`, text: `Welcome to ${d.company}.\n\nTo verify your email address, open:\n${link}\n` });
      }
    },
    pending: async (userId: number) => (await d.codes.countLiveFor(userId, 'stipulation')) > 0,
    async satisfy(user: UserRow, token: string, ip?: string): Promise<void> {
      if (!(await d.codes.consumeFor(token, user.id, 'stipulation'))) {
        await d.audit.record({ userId: user.id, module: 'account', level: 'warn', message: 'Unable to validate stipulation token', ip: ip ?? null });
        fail('invalid_credentials', 'no stipulation satisfied');
      }
      // One verified address satisfies every pending code (a user may have asked twice).
      await d.codes.consumeAllFor(user.id, 'stipulation');
      await d.users.markEmailVerified(user.id, Date.now());
      await d.audit.record({ userId: user.id, module: 'account', level: 'info', message: 'Stipulation token is satisfied', ip: ip ?? null });
    },
  };
}
export type Stipulations = ReturnType<typeof stipulations>;
