import type { UserRow, UsersRepo } from '../../store/users.js';
import type { AuditLog } from '../audit.js';
import type { SecretBox } from '../util/crypto.js';
import type { Totp } from './totp.js';
import type { Source } from '../throttle.js';
import type { Address, AddressCodes } from './address-codes.js';
import { lifetimeText } from './address-codes.js';
import { fail } from '../errors.js';
import { LOCAL } from './accounts.js';

/**
 * Signing in with a one-time code sent to the account's email address or phone (a password-less
 * sign-in). The code stands in for the password only: an account with a TOTP second factor
 * still needs a current TOTP code with it.
 */
export function otpLogin(d: { codes: AddressCodes; users: Pick<UsersRepo, 'totp'>; totp: Totp; box: SecretBox; audit: AuditLog }) {
  return {
    /** Sends a sign-in code to `to` when it is an account's; the same for the caller either way. */
    request(to: Address, o: { ip?: string; ttlSec: number }): Promise<void> {
      const life = lifetimeText(o.ttlSec);
      return d.codes.send('login', to, {
        ...o,
        message: (code) => ({
          subject: 'Your sign-in code',
          text: `Someone asked to sign in to your account with a one-time code.\n\nYour sign-in code is: ${code}\n\nIt works once and expires in ${life}; a newer code replaces it. If you did not ask for it, ignore this message and do not share the code.\n`,
          sms: `Your sign-in code is ${code}. It expires in ${life}. Do not share it.`,
        }),
      });
    },
    /**
     * The account whose code `code` was sent to `at`, the code used up. Wrong codes count as
     * failed sign-ins of the account (`redeem`); a TOTP code is checked before the code is used,
     * so a missing one (`totp_missing`) leaves the code for the next try.
     */
    async exchange(at: Address, code: string, src: Source & { totp?: string }): Promise<UserRow> {
      const user = await d.codes.redeem('login', at, code, src, async (u) => {
        const sealed = await d.users.totp(u.id);
        if (!sealed) return;
        if (!src.totp) fail('totp_missing', 'totp-missing');
        if (!d.totp.check(d.totp.secretOf(d.box.open(sealed)), src.totp ?? '')) {
          await d.audit.record({ userId: u.id, module: LOCAL, level: 'warn', message: 'TOTP Rejected', ip: src.ip ?? null });
          fail('totp_failed', 'totp-failed');
        }
      });
      await d.audit.record({ userId: user.id, module: LOCAL, level: 'info', message: 'Login Successful', data: { via: 'one-time code', channel: at.channel }, ip: src.ip ?? null });
      return user;
    },
  };
}
export type OtpLogin = ReturnType<typeof otpLogin>;
