import { CoreError, fail } from '../errors.js';
import type { Account, Accounts } from '../accounts/accounts.js';
import type { AuditLog } from '../audit.js';
import { isBlocked } from '../rbac/permissions.js';
import { isIdentityTaken, type IdentitiesRepo } from '../../store/identities.js';
import type { ExternalProfile, LinkedIdentity, ResolveOptions, Resolved } from './types.js';
import { freeUsername } from './usernames.js';

/** simple-auth's audit module for external sign-ins; its messages are kept (reference §7). */
export const FEDERATION_AUDIT = 'login:oidc';

export interface IdentityDeps {
  repo: IdentitiesRepo;
  accounts: Pick<Accounts, 'byId' | 'byEmail' | 'byUsername' | 'create'>;
  audit: AuditLog;
  /** FEDERATION_LINK_VERIFIED_EMAIL. */
  linkVerifiedEmail: boolean;
}

/** How often a sign-in that lost a race (another one created or linked the same thing) looks again. */
const RETRIES = 3;

/** A write that lost to a concurrent one: the identity, or the new account's username or email, was taken meanwhile. */
const lostRace = (e: unknown): boolean => isIdentityTaken(e) || (e instanceof CoreError && e.code === 'taken');

/**
 * External identities: (provider, subject) → account. `resolve` is the rule of issue item 2:
 * the linked account; else the account with the same email when the provider asserts it
 * verified (and linking is on); else a new account when sign-up is allowed. Each write is one
 * statement or one transaction (a new account and its link together), and the unique index on
 * (provider, subject) decides races: the loser reads again and finds the winner's account.
 */
export function identities(d: IdentityDeps) {
  const usable = (account: Account, provider: string, ip: string | null): Account => {
    if (isBlocked(account)) {
      void d.audit.record({ userId: account.id, module: FEDERATION_AUDIT, level: 'warn', message: `OIDC login refused: inactive account (${provider})`, ip });
      fail('user_inactive', 'inactive-account');
    }
    return account;
  };

  async function resolveOnce(profile: ExternalProfile, opts: ResolveOptions): Promise<Resolved> {
    const { provider, subject } = profile;
    const ip = opts.ip ?? null;
    const data = { dialect: opts.dialect };
    const owner = await d.repo.owner(provider, subject);
    if (owner !== undefined) {
      const account = await d.accounts.byId(owner);
      if (account) {
        usable(account, provider, ip);
        await d.audit.record({ userId: account.id, module: FEDERATION_AUDIT, level: 'info', message: `OIDC lookup succeeded for ${provider}`, data, ip });
        return { account, created: false, linked: false };
      }
      // The link of a deleted account: that person is unknown again.
      await d.repo.forget(provider, subject);
    }

    const byEmail = profile.email ? await d.accounts.byEmail(profile.email) : undefined;
    if (byEmail) {
      if (!(profile.emailVerified && d.linkVerifiedEmail)) {
        await d.audit.record({ userId: byEmail.id, module: FEDERATION_AUDIT, level: 'warn', message: `OIDC login refused: ${provider} did not verify this account's email`, data, ip });
        fail('identity_conflict', 'the email belongs to another account');
      }
      // An account a provider made with an address nobody verified (Facebook, email_verified:
      // false) is whoever signed up through that provider's: handing it to the address's owner
      // would let that person in through their provider account (pre-hijacking).
      if (byEmail.email_verified_at === null && (await d.repo.count(byEmail.id)) > 0) {
        await d.audit.record({ userId: byEmail.id, module: FEDERATION_AUDIT, level: 'warn', message: `OIDC login refused: ${provider} would link to an account whose email was never verified`, data, ip });
        fail('identity_conflict', 'the email belongs to another account, which never verified it');
      }
      usable(byEmail, provider, ip);
      const now = Date.now();
      await d.repo.transaction(async (trx) => {
        await d.repo.insert(byEmail.id, provider, subject, now, trx);
        // The provider proved the address: a verified sign-in through another provider links too.
        if (byEmail.email_verified_at === null && byEmail.email_norm) await d.repo.markEmailVerified(byEmail.id, byEmail.email_norm, now, trx);
      });
      await d.audit.record({ userId: byEmail.id, module: FEDERATION_AUDIT, level: 'info', message: `OIDC provider ${provider} linked to account`, data: { ...data, by: 'verified email' }, ip });
      return { account: byEmail, created: false, linked: true };
    }

    if (!opts.signup) {
      await d.audit.record({ userId: null, module: FEDERATION_AUDIT, level: 'warn', message: `OIDC login refused: sign-up is disabled (${provider})`, data, ip });
      fail('signup_disabled', 'account creation is disabled');
    }
    const now = Date.now();
    const account = await d.accounts.create(
      {
        username: await freeUsername(profile, d.accounts.byUsername),
        email: profile.email ?? null,
        emailVerifiedAt: profile.email && profile.emailVerified ? now : null,
        name: profile.name ?? null,
        firstName: profile.givenName ?? null,
        lastName: profile.familyName ?? null,
        ip,
      },
      (trx, user) => d.repo.insert(user.id, provider, subject, now, trx),
    );
    await d.audit.record({ userId: account.id, module: FEDERATION_AUDIT, level: 'info', message: `OIDC provider ${provider} linked to account`, data: { ...data, by: 'sign-up' }, ip });
    return { account, created: true, linked: false };
  }

  return {
    async resolve(profile: ExternalProfile, opts: ResolveOptions): Promise<Resolved> {
      for (let attempt = 0; ; attempt++) {
        try {
          return await resolveOnce(profile, opts);
        } catch (e) {
          if (attempt < RETRIES && lostRace(e)) continue;
          throw e;
        }
      }
    },

    async link(accountId: number, profile: ExternalProfile): Promise<void> {
      const account = (await d.accounts.byId(accountId)) ?? fail('user_not_found', 'no such account');
      try {
        await d.repo.insert(account.id, profile.provider, profile.subject, Date.now());
      } catch (e) {
        if (!isIdentityTaken(e)) throw e;
        // Linking what is linked already is done; linking someone else's identity is not.
        if ((await d.repo.owner(profile.provider, profile.subject)) === account.id) return;
        fail('identity_taken', 'this identity is linked to another account');
      }
      await d.audit.record({ userId: account.id, module: FEDERATION_AUDIT, level: 'info', message: `OIDC provider ${profile.provider} linked to account`, data: { by: 'link' } });
    },

    async unlink(accountId: number, provider: string, subject?: string): Promise<void> {
      await d.repo.transaction(async (trx) => {
        // Two removals of an account's last two identities must not both see the other one still there.
        await d.repo.lockAccount(accountId, trx);
        const removed = await d.repo.remove(accountId, provider, subject, trx);
        if (removed === 0) fail('not_found', 'no such linked identity');
        if ((await d.repo.count(accountId, trx)) === 0 && !(await d.repo.hasPassword(accountId, trx))) {
          fail('last_login_method', 'the account has no password and no other provider');
        }
      });
      await d.audit.record({ userId: accountId, module: FEDERATION_AUDIT, level: 'info', message: `OIDC provider ${provider} unlinked from account` });
    },

    async identitiesOf(accountId: number): Promise<LinkedIdentity[]> {
      return (await d.repo.ofUser(accountId)).map((r) => ({ provider: r.provider, subject: r.subject, createdAt: Number(r.created_at) }));
    },
  };
}
export type Identities = ReturnType<typeof identities>;
