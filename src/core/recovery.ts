import type { UserRow } from '../store/users.js';
import type { Accounts } from './accounts.js';
import type { OneTimeCodes } from './codes.js';
import type { Mailer } from './mailer.js';
import { fail } from './errors.js';

/**
 * Password recovery for every dialect: a reset token (its format is the dialect's) is stored
 * hashed, mailed as a link, and consumed once; a reset ends every session of the account.
 */
export function recovery(d: { accounts: Accounts; codes: OneTimeCodes; mail: Mailer; resetUrl: string }) {
  return {
    async issue(user: UserRow, token: string, ttlSec: number, opts: { clientId?: number; mail: boolean }): Promise<void> {
      await d.codes.issue({ purpose: 'reset', secret: token, ttlSec, userId: user.id, clientId: opts.clientId ?? null });
      if (opts.mail && user.email) {
        d.mail.sendLater({
          to: user.email,
          subject: 'Reset your password',
          text: `Someone asked to reset the password of ${user.username}.\n\nTo choose a new password, open:\n${d.resetUrl.replace('{token}', encodeURIComponent(token))}\n\nThe link works once and expires in ${Math.round(ttlSec / 60)} minutes. If you did not ask for this, ignore this mail.\n`,
        });
      }
    },
    /** Sets the new password with a reset token; a new password equal to the old one is refused before the token is used. */
    async finish(token: string, password: string, via: string, ip?: string): Promise<UserRow> {
      const row = await d.codes.peek(token, ['reset']);
      if (!row || row.user_id === null) return fail('token_expired', 'Token Expired');
      if (row.consumed_at !== null) return fail('token_revoked', 'TokenRevoked');
      const user = await d.accounts.byId(row.user_id);
      if (!user) return fail('token_expired', 'Token Expired');
      if (await d.accounts.checkPassword(user, password)) fail('password_same', 'Password cannot be same as previous password!');
      await d.codes.consume(token, ['reset']);
      await d.accounts.setPassword(user, password, { endSessions: true, via, ip });
      return user;
    },
  };
}
export type Recovery = ReturnType<typeof recovery>;
