import type { UserRow } from '../../store/users.js';
import type { Accounts } from './accounts.js';
import type { OneTimeCodes } from '../tokens/codes.js';
import type { Mail } from '../notify/mailer.js';
import type { MailQuota } from '../notify/quota.js';
import { fail } from '../errors.js';

/**
 * Password recovery for every dialect: a reset token (its format is the dialect's) is stored
 * hashed, mailed as a link, and consumed once; a reset ends every session of the account.
 */
export function recovery(d: { accounts: Accounts; codes: OneTimeCodes; mailQuota: MailQuota; resetUrl: string }) {
  const store = (user: UserRow, token: string, ttlSec: number, clientId: number | undefined) =>
    d.codes.issue({ purpose: 'reset', secret: token, ttlSec, userId: user.id, clientId: clientId ?? null });
  const resetMail = (to: string, user: UserRow, token: string, ttlSec: number): Mail => ({
    to,
    subject: 'Reset your password',
    text: `Someone asked to reset the password of ${user.username}.\n\nTo choose a new password, open:\n${d.resetUrl.replace('{token}', encodeURIComponent(token))}\n\nThe link works once and expires in ${Math.round(ttlSec / 60)} minutes. If you did not ask for this, ignore this mail.\n`,
  });
  return {
    /** Stores a reset token for a trusted caller that delivers it itself (Decision 2); no mail. */
    issue: (user: UserRow, token: string, ttlSec: number, opts: { clientId?: number } = {}): Promise<void> => store(user, token, ttlSec, opts.clientId),
    /**
     * An anonymous "forgot password" for `user`, undefined when nothing matched `asked`. The
     * request does the same work either way and the same when the mail is capped: the token is
     * minted (by the dialect's `mint`), stored and mailed off the request path, by the mail quota.
     */
    async request(user: UserRow | undefined, o: { asked: string; ip?: string; ttlSec: number; clientId?: number; mint: (user: UserRow) => string }): Promise<void> {
      await d.mailQuota.send('reset', user?.email ?? o.asked, o.ip, async () => {
        if (!user?.email) return undefined;
        const token = o.mint(user);
        await store(user, token, o.ttlSec, o.clientId);
        return resetMail(user.email, user, token, o.ttlSec);
      });
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
      await d.accounts.setPassword(user, password, { via, ip });
      return user;
    },
  };
}
export type Recovery = ReturnType<typeof recovery>;
