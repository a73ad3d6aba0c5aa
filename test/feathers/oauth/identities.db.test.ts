/**
 * `user_oauth_providers` over accounts made by social sign-in: each user sees their own links
 * only, nobody but an administrator writes one (a user cannot claim another's (provider, sub)),
 * and no removal, by the owner or an administrator, concurrent or not, takes the only way in
 * from an account without a password.
 */
import type { Application } from '@feathersjs/feathers';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb } from '../../support/server.js';
import { restClient } from '../../support/feathers-client.js';
import { closeAllUpstreams } from '../../support/upstreams/http.js';
import { makeAdmin, makeUser, type FeathersUser } from '../../support/fixtures/feathers.js';
import { back, begin, fragmentOf, oauthWorld, type OAuthWorld } from './support.js';

await describeDb('feathers user_oauth_providers', () => {
  let w: OAuthWorld;
  let admin: FeathersUser;
  beforeAll(async () => {
    w = await oauthWorld();
    admin = await makeAdmin(w.srv);
  });
  afterAll(async () => {
    await w?.close();
    await closeAllUpstreams();
  });

  let seq = 0;
  /** A person known to both providers with the same verified email; signs in with the one asked. */
  function person() {
    const n = ++seq;
    const email = `fed-${n}-${process.pid}@example.org`;
    w.google.addUser({ sub: `g-${n}`, email, email_verified: true, name: `Person ${n}` });
    w.github.addUser({ id: String(9000 + n), login: `p${n}`, email, emailVerified: true });
    return {
      email,
      google: `g-${n}`,
      github: String(9000 + n),
      async signIn(provider: 'google' | 'github'): Promise<{ app: Application; id: number }> {
        const { authorize, cookie } = await begin(w, provider);
        const up = provider === 'google' ? await w.google.login(authorize, `g-${n}`) : await w.github.login(authorize, String(9000 + n));
        const got = fragmentOf(await back(w, up, cookie));
        expect(got.error).toBeUndefined();
        const app = restClient(w.srv.url);
        const auth = await app.authenticate({ strategy: 'jwt', accessToken: got.accessToken! });
        return { app, id: auth.user.id as number };
      },
    };
  }
  const links = async (app: Application) => (await app.service('user_oauth_providers').find({})).data as { id: number; user_id: number; slug: string; sub: string }[];

  it('shows a user their own links only', async () => {
    const a = await person().signIn('google');
    const b = await person().signIn('github');
    expect((await links(a.app)).map((l) => l.user_id)).toEqual([a.id]);
    expect((await links(b.app)).map((l) => l.user_id)).toEqual([b.id]);
    const theirs = (await links(b.app))[0]!;
    await expect(a.app.service('user_oauth_providers').get(theirs.id)).rejects.toMatchObject({ code: 403 });
    await expect(a.app.service('user_oauth_providers').remove(theirs.id)).rejects.toMatchObject({ code: 403 });
  });

  it('refuses create by a normal user, even for their own account: a link is made by signing in', async () => {
    const victim = person();
    const v = await victim.signIn('google');
    const mallory = await makeUser(w.srv);
    for (const body of [
      { user_id: mallory.id, slug: 'google', sub: victim.google },
      { user_id: mallory.id, slug: 'github', sub: 'never-seen' },
    ]) {
      await expect(mallory.app.service('user_oauth_providers').create(body)).rejects.toMatchObject({ name: 'Forbidden', code: 403 });
    }
    // Nor may a user move a link of theirs (or anyone's) elsewhere.
    const own = (await links(v.app))[0]!;
    await expect(v.app.service('user_oauth_providers').patch(own.id, { user_id: mallory.id })).rejects.toMatchObject({ code: 403 });
    // The victim's identity still signs the victim in.
    expect((await victim.signIn('google')).id).toBe(v.id);
  });

  it('refuses to remove the only link of an account without a password (409), for the owner and an administrator', async () => {
    const p = await person().signIn('google');
    const [only] = await links(p.app);
    await expect(p.app.service('user_oauth_providers').remove(only!.id)).rejects.toMatchObject({ name: 'Conflict', code: 409, message: expect.stringMatching(/password/) });
    await expect(admin.app.service('user_oauth_providers').remove(only!.id)).rejects.toMatchObject({ code: 409 });
    // Nor can an administrator move it away.
    await expect(admin.app.service('user_oauth_providers').patch(only!.id, { user_id: admin.id })).rejects.toMatchObject({ code: 409 });
    // Nor can any other writer of the records (core.records, as a script would use it).
    await expect(w.srv.core.records.userOAuthProviders.remove(only!.id)).rejects.toMatchObject({ code: 'last_login_method' });
    expect(await links(p.app)).toHaveLength(1);
  });

  it('removes one of two links, then refuses the last', async () => {
    const who = person();
    const p = await who.signIn('google');
    expect((await who.signIn('github')).id).toBe(p.id);
    const both = await links(p.app);
    expect(both.map((l) => l.slug).sort()).toEqual(['github', 'google']);
    const removed = await p.app.service('user_oauth_providers').remove(both[0]!.id);
    expect(removed).toMatchObject({ id: both[0]!.id });
    await expect(p.app.service('user_oauth_providers').remove(both[1]!.id)).rejects.toMatchObject({ code: 409 });
  });

  it('of two concurrent removals of the last two links, exactly one succeeds', async () => {
    const who = person();
    const p = await who.signIn('google');
    await who.signIn('github');
    const both = await links(p.app);
    const results = await Promise.allSettled(both.map((l) => p.app.service('user_oauth_providers').remove(l.id)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 409 } });
    expect(await links(p.app)).toHaveLength(1);
  });

  it('lets an account with a password remove its only link', async () => {
    const who = person();
    const p = await who.signIn('google');
    await p.app.service('users').patch(p.id, { password: 'a new password 123' });
    const [only] = await links(p.app);
    expect(await p.app.service('user_oauth_providers').remove(only!.id)).toMatchObject({ id: only!.id });
    expect(await links(p.app)).toHaveLength(0);
  });
});
