import type { Accounts } from './accounts.js';
import type { Source } from '../throttle.js';
import type { AddressCodes } from './address-codes.js';
import { lifetimeText } from './address-codes.js';
import { fail } from '../errors.js';

/**
 * Password recovery with a code mailed to the account's email address (the link-based recovery
 * of the other dialects is `recovery.ts`). Setting the new password ends every session of the
 * account in every dialect, and every code still waiting (`accounts.setPassword`).
 */
export function recoveryCodes(d: { codes: AddressCodes; accounts: Pick<Accounts, 'checkPassword' | 'setPassword'> }) {
  return {
    /** Mails a recovery code to `email` when it is an account's; the same for the caller either way. */
    request(email: string, o: { ip?: string; ttlSec: number }): Promise<void> {
      const life = lifetimeText(o.ttlSec);
      return d.codes.send('reset', { channel: 'email', value: email }, {
        ...o,
        message: (code) => ({
          subject: 'Your password recovery code',
          text: `Someone asked to reset the password of your account.\n\nYour recovery code is: ${code}\n\nUse it with a new password; it works once and expires in ${life}, and a newer code replaces it. Setting the new password signs out every session of the account. If you did not ask for this, ignore this mail and do not share the code.\n`,
          sms: `Your password recovery code is ${code}. It expires in ${life}.`,
        }),
      });
    },
    /**
     * Sets `password` with the code mailed to `email`. Wrong codes count as failed sign-ins; a
     * new password equal to the current one (`password_same`) is refused before the code is used.
     * `via` names the caller in the audit trail.
     */
    async finish(email: string, code: string, password: string, src: Source & { via: string }): Promise<void> {
      const user = await d.codes.redeem('reset', { channel: 'email', value: email }, code, src, async (u) => {
        if (await d.accounts.checkPassword(u, password)) fail('password_same', 'Password cannot be same as previous password');
      });
      await d.accounts.setPassword(user, password, { via: src.via, ip: src.ip, device: src.device, allowSame: true });
    },
  };
}
export type RecoveryCodes = ReturnType<typeof recoveryCodes>;
