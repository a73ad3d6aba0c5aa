import type { UsersRepo } from '../../store/users.js';
import type { Account } from './accounts.js';
import type { AuditLog } from '../audit.js';
import type { SecretBox } from '../util/crypto.js';
import type { Totp } from './totp.js';
import type { LoginThrottle } from '../throttle.js';
import { fail } from '../errors.js';
import { LOCAL } from './accounts.js';

interface Deps {
  users: Pick<UsersRepo, 'totp' | 'setTotp'>;
  totp: Totp;
  box: SecretBox;
  audit: AuditLog;
  throttle: Pick<LoginThrottle, 'account'>;
}

/**
 * Enrolling and removing an account's TOTP second factor; checking it at sign-in stays in
 * `accounts.authenticate`. The secret is stored sealed, as the otpauth URL labelled with the
 * account's email (or username), and each change leaves an audit row.
 */
export function secondFactor(d: Deps) {
  const url = (user: Account, secret: string) => d.totp.url(secret, user.email ?? user.username);
  return {
    /** A new secret to show the user; nothing is stored until `enrol`. */
    newSecret: (): string => d.totp.newSecret(),
    /** The secret's otpauth URL for this account as a PNG QR code. */
    qrPng: (user: Account, secret: string): Promise<Buffer> => d.totp.qrPng(url(user, secret)),
    /** Activates TOTP with a secret and a current code from it: `totp_failed` when the code is wrong. */
    async enrol(user: Account, secret: string, code: string, ip?: string): Promise<void> {
      if (!d.totp.check(secret, code)) fail('totp_failed', 'totp-failed');
      await d.users.setTotp(user.id, d.box.seal(url(user, secret)));
      await d.audit.record({ userId: user.id, module: LOCAL, level: 'info', message: 'Activated TOTP', ip });
    },
    /**
     * Removes TOTP given a current code: `totp_disabled` when none is enrolled, `totp_failed`
     * when the code is wrong.
     */
    async remove(user: Account, code: string, ip?: string): Promise<void> {
      const sealed = await d.users.totp(user.id);
      if (!sealed) return fail('totp_disabled', 'totp disabled');
      // A session that skipped the second factor (a one-time link) must not guess it away: a
      // wrong code counts as a failed sign-in of the account.
      await d.throttle.account(`user:${user.id}`, { ip }, async () => {
        if (!d.totp.check(d.totp.secretOf(d.box.open(sealed)), code)) fail('totp_failed', 'totp-failed');
      });
      await d.users.setTotp(user.id, null);
      await d.audit.record({ userId: user.id, module: LOCAL, level: 'info', message: 'Disabled TOTP', ip });
    },
  };
}
export type SecondFactor = ReturnType<typeof secondFactor>;
