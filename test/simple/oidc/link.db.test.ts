/**
 * Linking and unlinking providers for a signed-in simple account (ours; the original had it as
 * a TODO): `POST /api/v1/account/oidc/{id}` answers the provider's URL (CSRF applies), the usual
 * callback links, `DELETE /api/v1/account/oidc/{id}` unlinks unless it is the only way in.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import { describeDb } from '../../support/server.js';
import { closeAllUpstreams } from '../../support/upstreams/http.js';
import { atProvider, browser, counts, CSRF, person, PROVIDER, setCookie, signIn, startWithUpstream, type Browser, type Setup } from './flow.js';

let s: Setup;
beforeAll(async () => {
  s = await startWithUpstream({ apiExternal: true, apiSharedSecret: 'super-secret' });
});
afterAll(async () => {
  await s?.close();
  await closeAllUpstreams();
});

/** A browser signed in with a password. */
async function passwordBrowser(username: string): Promise<{ b: Browser; uuid: string }> {
  const user = await s.srv.core.accounts.create({ username, password: 'link-pass', email: `${username}@example.com` });
  const b = browser(s.srv.url);
  const login = await b.go('/api/v1/auth/session', { method: 'POST', json: { username, password: 'link-pass' }, headers: { cookie: `_csrf=${CSRF}`, 'x-csrf-token': CSRF } });
  expect(login.status).toBe(200);
  return { b, uuid: user.uuid };
}
const beginLink = (b: Browser, json: unknown = {}) => b.api('POST', `account/oidc/${PROVIDER.id}`, json);

await describeDb('simple: linking external providers to a signed-in account', () => {
  it('links a provider to a password account; the provider then signs into that account', async () => {
    const { b, uuid } = await passwordBrowser('linker');
    s.up.addUser(person('link-1', { email: 'other-address@idp.example.com' }));
    const begun = await beginLink(b, { continue: '/#/manage' });
    expect(begun.status, JSON.stringify(begun.body)).toBe(200);
    expect(setCookie(begun, 'oidcState')).toMatch(/HttpOnly/);
    const back = await b.go(await atProvider(s, begun.body.url, 'link-1'));
    expect(back.status, JSON.stringify(back.body)).toBe(307);
    // /#/… is not in the allowlist (only /#/oauth2…): the default destination.
    expect(back.location).toBe('/');
    const me = await b.api('GET', 'account');
    expect(me.body.id).toBe(uuid);
    expect(me.body.auth.local).toMatchObject({ username: 'linker' });
    expect(me.body.auth.oidc).toEqual([{ provider: PROVIDER.id, subject: 'link-1', icon: PROVIDER.icon, name: PROVIDER.name }]);
    const viaProvider = browser(s.srv.url);
    expect((await signIn(s, viaProvider, 'link-1')).status).toBe(307);
    expect((await viaProvider.api('GET', 'account')).body.id).toBe(uuid);
  });

  it('needs the CSRF header to begin a link, and the browser\'s session (not SharedKey)', async () => {
    const { b, uuid } = await passwordBrowser('csrfless');
    const noCsrf = await b.go(`/api/v1/account/oidc/${PROVIDER.id}`, { method: 'POST', json: {} });
    expect(noCsrf.status).toBe(403);
    expect(setCookie(noCsrf, 'oidcState')).toBeUndefined();
    const shared = await browser(s.srv.url).go(`/api/v1/account/oidc/${PROVIDER.id}`, { method: 'POST', json: {}, headers: { authorization: 'SharedKey super-secret', 'x-account-uuid': uuid } });
    expect(shared.status).toBe(400);
    expect(shared.body).toMatchObject({ error: true, reason: 'bad-request' });
  });

  it('answers 404 oidc-provider-unknown for a link to an unknown provider', async () => {
    const { b } = await passwordBrowser('unknownlink');
    const r = await b.api('POST', 'account/oidc/nope', {});
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ error: true, reason: 'oidc-provider-unknown' });
  });

  it('links nothing when the account signed out before the callback', async () => {
    const { b } = await passwordBrowser('signedout');
    s.up.addUser(person('link-2'));
    const begun = await beginLink(b);
    const back = await atProvider(s, begun.body.url, 'link-2');
    expect((await b.api('DELETE', 'auth/session')).status).toBe(200);
    const before = await counts(s.srv);
    const r = await b.go(back);
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ error: true, reason: 'unauthorized' });
    expect(await counts(s.srv)).toEqual(before);
  });

  it('refuses with 409 oidc-identity-taken to link an identity that belongs to another account', async () => {
    s.up.addUser(person('link-3'));
    expect((await signIn(s, browser(s.srv.url), 'link-3')).status).toBe(307);
    const { b } = await passwordBrowser('latecomer');
    const begun = await beginLink(b);
    const before = await counts(s.srv);
    const r = await b.go(await atProvider(s, begun.body.url, 'link-3'));
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ error: true, reason: 'oidc-identity-taken' });
    expect(await counts(s.srv)).toEqual(before);
  });

  it('unlinks a provider from a password account, but not the only way into a password-less one', async () => {
    const { b } = await passwordBrowser('unlinker');
    s.up.addUser(person('link-4'));
    const begun = await beginLink(b);
    expect((await b.go(await atProvider(s, begun.body.url, 'link-4'))).status).toBe(307);
    const gone = await b.api('DELETE', `account/oidc/${PROVIDER.id}`);
    expect(gone.status, JSON.stringify(gone.body)).toBe(200);
    expect(gone.body).toEqual({ success: true });
    expect((await b.api('GET', 'account')).body.auth.oidc).toBeUndefined();

    s.up.addUser(person('link-5'));
    const only = browser(s.srv.url);
    expect((await signIn(s, only, 'link-5')).status).toBe(307);
    const refused = await only.api('DELETE', `account/oidc/${PROVIDER.id}?subject=link-5`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: true, reason: 'oidc-last-login-method' });
    expect((await only.api('GET', 'account')).body.auth.oidc).toHaveLength(1);
    const none = await b.api('DELETE', `account/oidc/${PROVIDER.id}`);
    expect(none.status).toBe(404);
    expect(none.body).toMatchObject({ error: true, reason: 'oidc-identity-not-found' });
  });

  it('lists a link to a provider no longer configured by its id (the original answered 500)', async () => {
    const { b, uuid } = await passwordBrowser('orphaned');
    const user = await s.srv.core.accounts.byUuid(uuid);
    await s.srv.store.db.insertInto('identities').values({ user_id: user?.id as number, provider: 'retired', subject: 'r-1', created_at: Date.now() }).execute();
    const me = await b.api('GET', 'account');
    expect(me.status).toBe(200);
    expect(me.body.auth.oidc).toEqual([{ provider: 'retired', subject: 'r-1', icon: '', name: 'retired' }]);
  });
});
