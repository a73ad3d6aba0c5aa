/**
 * Providers configured at run time through the `oauth_providers` service: a record made by an
 * administrator is usable at once for `/oauth/:slug`, a change to it applies to the next
 * sign-in, its removal takes the provider away, and its secret never comes back.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb } from '../../support/server.js';
import { restClient } from '../../support/feathers-client.js';
import { closeAllUpstreams } from '../../support/upstreams/http.js';
import { makeAdmin, type FeathersUser } from '../../support/fixtures/feathers.js';
import { APP, back, begin, callbackOf, fragmentOf, oauthWorld, type OAuthWorld } from './support.js';

await describeDb('feathers oauth_providers at run time', () => {
  let w: OAuthWorld;
  let admin: FeathersUser;
  beforeAll(async () => {
    // GitHub's endpoints point at the local server, but no client id or secret is configured.
    w = await oauthWorld({ github: 'none' });
    admin = await makeAdmin(w.srv);
    w.github.addUser({ id: '31337', login: 'runtime', email: 'runtime@example.org', emailVerified: true });
  });
  afterAll(async () => {
    await w?.close();
    await closeAllUpstreams();
  });

  const start = (slug: string) => w.req('GET', `/oauth/${slug}?app_url=${encodeURIComponent(APP)}`);

  it('a provider created through the service signs in at once; changed, it applies to the next sign-in; removed, it is gone', async () => {
    expect((await start('github')).status).toBe(404);
    const svc = admin.app.service('oauth_providers');
    const created = await svc.create({ slug: 'github', name: 'GitHub', key: 'gh-github', secret: 'github-secret', scope: 'read:user user:email' });
    expect(created).not.toHaveProperty('secret');
    expect(JSON.stringify(await svc.find({}))).not.toContain('github-secret');

    const { authorize, cookie } = await begin(w, 'github');
    expect(new URL(authorize).searchParams.get('client_id')).toBe('gh-github');
    const got = fragmentOf(await back(w, await w.github.login(authorize, '31337'), cookie));
    expect(got.error).toBeUndefined();
    const auth = await restClient(w.srv.url).authenticate({ strategy: 'jwt', accessToken: got.accessToken! });
    expect(auth.user.email).toBe('runtime@example.org');

    // A new client id (registered at the provider too) is used by the very next start.
    w.github.addClient({ client_id: 'gh-github-2', client_secret: 'second-secret', redirect_uris: [callbackOf('github')] });
    await svc.patch(created.id, { key: 'gh-github-2', secret: 'second-secret' });
    const next = await begin(w, 'github');
    expect(new URL(next.authorize).searchParams.get('client_id')).toBe('gh-github-2');
    const again = fragmentOf(await back(w, await w.github.login(next.authorize, '31337'), next.cookie));
    expect((await restClient(w.srv.url).authenticate({ strategy: 'jwt', accessToken: again.accessToken! })).user.id).toBe(auth.user.id);

    // A wrong secret in the record is the provider refusing: #error, not a 5xx.
    await svc.patch(created.id, { secret: 'not-the-secret' });
    const wrong = await begin(w, 'github');
    expect(fragmentOf(await back(w, await w.github.login(wrong.authorize, '31337'), wrong.cookie)).error).toBeDefined();

    await svc.remove(created.id);
    expect((await start('github')).status).toBe(404);
  });

  it('a record for a provider the engine cannot speak to is refused or unusable, never a 5xx', async () => {
    const svc = admin.app.service('oauth_providers');
    const created = await svc.create({ slug: 'made-up', key: 'k', secret: 's' });
    const res = await start('made-up');
    expect(res.status).toBeGreaterThanOrEqual(300);
    expect(res.status).toBeLessThan(500);
    await svc.remove(created.id);
  });
});
