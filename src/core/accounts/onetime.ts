import { randomUUID } from 'node:crypto';
import type { UserRow } from '../../store/users.js';
import type { Accounts } from './accounts.js';
import type { AuditLog } from '../audit.js';
import type { OneTimeCodes } from '../tokens/codes.js';
import type { MailQuota } from '../notify/quota.js';
import { fail } from '../errors.js';
import { isBlocked } from '../rbac/permissions.js';

/** Go's time.Duration text (`1h0m0s`, `30m0s`, `45s`), which the original's audit message shows. */
function goDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}

/**
 * One-time login links (simple-auth's forgot-password): a UUID stored hashed, mailed as
 * `{baseUrl}/onetime?token=…`, consumed once. A session started with one may set a new password
 * without the old one.
 */
export function oneTimeLogin(d: { accounts: Accounts; codes: OneTimeCodes; mailQuota: MailQuota; audit: AuditLog; baseUrl: string; company: string }) {
  /** Stores a new token for `user` and returns its link. */
  async function issue(user: UserRow, ttlSec: number, ip: string | undefined): Promise<string> {
    const token = randomUUID();
    await d.codes.issue({ purpose: 'onetime', secret: token, ttlSec, userId: user.id, subject: user.uuid });
    await d.audit.record({ userId: user.id, module: 'auth:onetime', level: 'info', message: `One time token issued for account, expires in ${goDuration(ttlSec)}`, ip: ip ?? null });
    return `${d.baseUrl.replace(/\/$/, '')}/onetime?token=${encodeURIComponent(token)}`;
  }
  return {
    /**
     * simple's POST /auth/onetime for `email`. The request does the same work whether or not the
     * account exists, and the same when the mail is capped: the token is stored and mailed off
     * the request path, by the mail quota (which replaced the original's per-user cap).
     */
    async request(email: string, o: { ttlSec: number; ip?: string }): Promise<void> {
      const user = await d.accounts.byEmail(email);
      await d.mailQuota.send('onetime', user?.email ?? email, o.ip, async () => {
        if (!user?.email) return undefined;
        const link = await issue(user, o.ttlSec, o.ip);
        return {
          to: user.email,
          subject: `Password Reset at ${d.company}`,
          text: `Someone asked to reset the password of your account at ${d.company}.\n\nTo sign in and choose a new password, open:\n${link}\n\nThis link will expire in ${goDuration(o.ttlSec)} and works once. If you did not ask for this, ignore this mail.\n`,
        };
      });
    },
    /** Uses a token: unknown → `token_invalid`, expired → `token_expired`, inactive account → `user_inactive`. */
    async consume(token: string, ip?: string): Promise<UserRow> {
      const row = await d.codes.peek(token, ['onetime']);
      if (!row || row.user_id === null || row.consumed_at !== null) return fail('token_invalid', 'invalid-token');
      if (row.expires_at <= Date.now()) return fail('token_expired', 'expired');
      // Of concurrent uses exactly one wins; the others see an invalid token.
      if (!(await d.codes.consumeFor(token, row.user_id, 'onetime'))) return fail('token_invalid', 'invalid-token');
      const user = await d.accounts.byId(row.user_id);
      if (!user) return fail('token_invalid', 'invalid-token');
      if (isBlocked(user)) fail('user_inactive', 'inactive-account');
      await d.audit.record({ userId: user.id, module: 'auth:onetime', level: 'info', message: 'One time token consumed for login', ip: ip ?? null });
      return user;
    },
  };
}
export type OneTimeLogin = ReturnType<typeof oneTimeLogin>;
