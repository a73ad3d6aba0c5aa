import type { UserRow, UsersRepo } from '../../store/users.js';
import type { AuditLog } from '../audit.js';
import type { OneTimeCodes } from '../tokens/codes.js';
import type { Source } from '../throttle.js';
import type { Address, AddressCodes } from './address-codes.js';
import { lifetimeText } from './address-codes.js';
import { fail } from '../errors.js';

/**
 * Verifying an account's email address or phone number with a code sent to it: a right code
 * sets `email_verified_at` or `phone_verified_at`. A verified email also satisfies a pending
 * email-verification hold (simple-auth's stipulation): both say the owner reads that mailbox.
 */
export function verification(d: { codes: AddressCodes; oneTime: Pick<OneTimeCodes, 'consumeAllFor'>; users: Pick<UsersRepo, 'markAddressVerified'>; audit: AuditLog }) {
  return {
    /** Sends a verification code to `to` when it is an account's; the same for the caller either way. */
    request(to: Address, o: { ip?: string; ttlSec: number }): Promise<void> {
      const life = lifetimeText(o.ttlSec);
      const what = to.channel === 'email' ? 'email address' : 'phone number';
      return d.codes.send('verify', to, {
        ...o,
        message: (code) => ({
          subject: `Verify your ${what}`,
          text: `Someone asked to verify this ${what} for an account.\n\nYour verification code is: ${code}\n\nIt works once and expires in ${life}; a newer code replaces it. If you did not ask for it, ignore this message.\n`,
          sms: `Your verification code is ${code}. It expires in ${life}.`,
        }),
      });
    },
    /** Checks the code sent to `at` and marks that address verified; wrong codes count as failed sign-ins. */
    async confirm(at: Address, code: string, src: Source): Promise<UserRow> {
      const user = await d.codes.redeem('verify', at, code, src);
      // The code is bound to the address; this also refuses an address changed since the check.
      if (!(await d.users.markAddressVerified(user.id, at.channel, d.codes.normalized(at), Date.now()))) fail('invalid_credentials', 'Invalid code');
      if (at.channel === 'email') await d.oneTime.consumeAllFor(user.id, 'stipulation');
      await d.audit.record({ userId: user.id, module: 'account', level: 'info', message: at.channel === 'email' ? 'Email verified' : 'Phone verified', ip: src.ip ?? null });
      return user;
    },
  };
}
export type Verification = ReturnType<typeof verification>;
