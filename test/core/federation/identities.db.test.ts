import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../support/server.js';
import type { ExternalProfile } from '../../../src/core/federation/types.js';
import { codeOf, counts } from './support.js';

// resolve / link / unlink over the one user store: races and the last-way-in guard, on both engines.

const profile = (provider: string, subject: string, extra: Partial<ExternalProfile> = {}): ExternalProfile => ({ provider, subject, emailVerified: false, ...extra });

describe('federated identities', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer();
  });
  afterAll(async () => srv?.close());

  it('ends two (or five) concurrent first sign-ins of one identity with one account', async () => {
    const before = await counts(srv);
    const p = profile('google', 'racer', { email: 'racer@example.com', emailVerified: true, username: 'racer' });
    const results = await Promise.all(Array.from({ length: 5 }, () => srv.core.federation.resolve(p, { signup: true, dialect: 'simple' })));
    expect(new Set(results.map((r) => r.account.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await counts(srv)).toEqual({ users: before.users + 1, identities: before.identities + 1 });
  });

  it('ends concurrent first sign-ins of two identities sharing a username with two accounts', async () => {
    const [a, b] = await Promise.all([
      srv.core.federation.resolve(profile('github', '1', { username: 'twin' }), { signup: true, dialect: 'feathers' }),
      srv.core.federation.resolve(profile('gitlab', '1', { username: 'twin' }), { signup: true, dialect: 'feathers' }),
    ]);
    expect(a.account.id).not.toBe(b.account.id);
    expect([a.account.username, b.account.username].sort()).toEqual(['twin', 'twin-2']);
  });

  it('derives a username from the email, then from provider and subject', async () => {
    const byEmail = await srv.core.federation.resolve(profile('google', 'e1', { email: 'Some.Body+x@example.com' }), { signup: true, dialect: 'arc' });
    expect(byEmail.account.username).toBe('some.bodyx');
    const bare = await srv.core.federation.resolve(profile('instagram', '12345'), { signup: true, dialect: 'arc' });
    expect(bare.account.username).toBe('instagram-12345');
  });

  it('refuses to unlink the only way into an account without a password (last_login_method), and keeps the link', async () => {
    const { account } = await srv.core.federation.resolve(profile('google', 'only-way'), { signup: true, dialect: 'simple' });
    expect(await codeOf(srv.core.federation.unlink(account.id, 'google'))).toBe('last_login_method');
    expect(await srv.core.federation.identitiesOf(account.id)).toHaveLength(1);

    await srv.core.federation.link(account.id, profile('github', 'only-way-gh'));
    await srv.core.federation.unlink(account.id, 'google', 'only-way');
    expect((await srv.core.federation.identitiesOf(account.id)).map((i) => i.provider)).toEqual(['github']);
    expect(await codeOf(srv.core.federation.unlink(account.id, 'github'))).toBe('last_login_method');
  });

  it('lets an account with a password unlink its last provider', async () => {
    const acc = await srv.core.accounts.create({ username: 'haspw', password: 'pw-123456' });
    await srv.core.federation.link(acc.id, profile('google', 'haspw'));
    await srv.core.federation.unlink(acc.id, 'google');
    expect(await srv.core.federation.identitiesOf(acc.id)).toEqual([]);
    expect(await codeOf(srv.core.federation.unlink(acc.id, 'google'))).toBe('not_found');
  });

  it('never lets two parallel unlinks remove both last ways into an account without a password', async () => {
    const { account } = await srv.core.federation.resolve(profile('google', 'two-ways'), { signup: true, dialect: 'simple' });
    await srv.core.federation.link(account.id, profile('github', 'two-ways'));
    const results = await Promise.allSettled([srv.core.federation.unlink(account.id, 'google'), srv.core.federation.unlink(account.id, 'github')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason.code).toBe('last_login_method');
    expect(await srv.core.federation.identitiesOf(account.id)).toHaveLength(1);
  });

  it("refuses to link an identity that is another account's (identity_taken); linking one's own again is a no-op", async () => {
    const a = await srv.core.federation.resolve(profile('google', 'owned'), { signup: true, dialect: 'simple' });
    const b = await srv.core.accounts.create({ username: 'other-person', password: 'pw-123456' });
    expect(await codeOf(srv.core.federation.link(b.id, profile('google', 'owned')))).toBe('identity_taken');
    await srv.core.federation.link(a.account.id, profile('google', 'owned'));
    expect(await srv.core.federation.identitiesOf(a.account.id)).toHaveLength(1);
    expect(await srv.core.federation.identitiesOf(b.id)).toEqual([]);
  });

  it('treats the identity of a deleted account as unknown: a new account is made for it', async () => {
    const first = await srv.core.federation.resolve(profile('google', 'phoenix', { email: 'phoenix@example.com', emailVerified: true }), { signup: true, dialect: 'simple' });
    await srv.core.accounts.remove(first.account);
    const again = await srv.core.federation.resolve(profile('google', 'phoenix', { email: 'phoenix@example.com', emailVerified: true }), { signup: true, dialect: 'simple' });
    expect(again.created).toBe(true);
    expect(again.account.id).not.toBe(first.account.id);
  });

  it('writes the outcome to the audit trail', async () => {
    const { account } = await srv.core.federation.resolve(profile('corp', 'audited'), { signup: true, dialect: 'simple', ip: '10.0.0.9' });
    await srv.core.federation.resolve(profile('corp', 'audited'), { signup: true, dialect: 'simple', ip: '10.0.0.9' });
    const messages = (await srv.core.audit.forUser(account.id, 10, 0)).map((e: { message: string }) => e.message);
    expect(messages).toEqual(expect.arrayContaining(['Account created', 'OIDC provider corp linked to account', 'OIDC lookup succeeded for corp']));
  });
});
