import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb, startServer, type TestServer } from '../../support/server.js';
import { closeAllUpstreams, startOAuth2Upstream, startOidcUpstream, type OAuth2Upstream, type OidcUpstream } from '../../support/upstreams/index.js';
import { callbackOf, codeOf, signIn, writesNothing } from './support.js';

// Attack: account pre-hijacking through federation alone. The attacker signs up through a
// provider that does not verify the address (Facebook, or an OpenID provider answering
// email_verified: false) with the victim's email: a new account with that email, unverified,
// whose way in is the attacker's Facebook. When the victim later signs in with Google (which
// verifies the address), linking by verified email must not hand the victim that account:
// the attacker would sign in through Facebook and read everything the victim puts there.

await describeDb('federation: pre-hijacking by an unverified provider email', () => {
  let srv: TestServer;
  let google: OidcUpstream;
  let fb: OAuth2Upstream;

  beforeAll(async () => {
    [google, fb] = await Promise.all([startOidcUpstream(), startOAuth2Upstream('facebook')]);
    srv = await startServer({
      googleAuthClientId: 'gh-google', googleAuthClientSecret: 'google-secret', googleAuthIssuer: google.issuer,
      oidcProviders: [{ id: 'loose', clientid: 'gh-loose', clientsecret: 'loose-secret', issuer: google.issuer }],
      facebookAuthClientId: 'fb-app', facebookAuthClientSecret: 'fb-secret',
      facebookAuthUrl: fb.authorizationUrl, facebookAuthTokenUrl: fb.tokenUrl, facebookAuthProfileUrl: fb.profileUrl,
      federationTimeoutMs: 5000,
    });
    google.addClient({ client_id: 'gh-google', client_secret: 'google-secret', redirect_uris: [callbackOf(srv, 'google')] });
    google.addClient({ client_id: 'gh-loose', client_secret: 'loose-secret', redirect_uris: [callbackOf(srv, 'loose')] });
    fb.addClient({ client_id: 'fb-app', client_secret: 'fb-secret', redirect_uris: [callbackOf(srv, 'facebook')] });
  });
  afterAll(async () => {
    await srv?.close();
    await closeAllUpstreams();
  });

  it("does not link the victim's verified Google sign-in to an account a Facebook sign-up made with the victim's address", async () => {
    // 1. The attacker signs up through Facebook with the victim's address (Facebook asserts nothing).
    fb.addUser({ id: '666', name: 'Mallory', email: 'victim@example.com' });
    const planted = await srv.core.federation.resolve((await signIn(srv, fb, 'facebook', '666')).profile, { signup: true, dialect: 'simple' });
    expect(planted.created).toBe(true);
    expect(planted.account.email_verified_at).toBeNull();

    // 2. The victim signs in with Google, which verified the address: no link to Mallory's account.
    google.addUser({ sub: 'victim-g', email: 'victim@example.com', email_verified: true });
    const victim = await signIn(srv, google, 'google', 'victim-g');
    await writesNothing(srv, async () => expect(await codeOf(srv.core.federation.resolve(victim.profile, { signup: true, dialect: 'simple' }))).toBe('identity_conflict'));
    expect(await srv.core.federation.identitiesOf(planted.account.id)).toEqual([expect.objectContaining({ provider: 'facebook', subject: '666' })]);
  });

  it('neither through an OpenID provider that answered email_verified: false', async () => {
    google.addUser({ sub: 'mallory-loose', email: 'victim2@example.com', email_verified: false });
    const planted = await srv.core.federation.resolve((await signIn(srv, google, 'loose', 'mallory-loose')).profile, { signup: true, dialect: 'feathers' });
    expect(planted.account.email_verified_at).toBeNull();

    google.addUser({ sub: 'victim2-g', email: 'victim2@example.com', email_verified: true });
    const victim = await signIn(srv, google, 'google', 'victim2-g');
    expect(await codeOf(srv.core.federation.resolve(victim.profile, { signup: true, dialect: 'feathers' }))).toBe('identity_conflict');
    expect(await srv.core.federation.identitiesOf(planted.account.id)).toHaveLength(1);
  });

  it('still links verified sign-ins of two providers, one after the other, to an account made with a password', async () => {
    // ARC's accounts are made by administrators and never verify their email: the first verified
    // sign-in proves the address, so the second provider links too.
    const acc = await srv.core.accounts.create({ username: 'admin-made', email: 'admin-made@example.com', password: 'pw-admin-made-1' });
    google.addUser({ sub: 'am-g', email: 'admin-made@example.com', email_verified: true });
    google.addUser({ sub: 'am-loose', email: 'admin-made@example.com', email_verified: true });
    const first = await srv.core.federation.resolve((await signIn(srv, google, 'google', 'am-g')).profile, { signup: false, dialect: 'arc' });
    expect(first).toMatchObject({ linked: true, account: { id: acc.id } });
    expect((await srv.core.accounts.byId(acc.id))?.email_verified_at).toBeGreaterThan(0);
    const second = await srv.core.federation.resolve((await signIn(srv, google, 'loose', 'am-loose')).profile, { signup: false, dialect: 'arc' });
    expect(second).toMatchObject({ linked: true, account: { id: acc.id } });
  });

  it('still links a verified sign-in to an account made by a provider that verified the address', async () => {
    google.addUser({ sub: 'honest-loose', email: 'honest@example.com', email_verified: true });
    const first = await srv.core.federation.resolve((await signIn(srv, google, 'loose', 'honest-loose')).profile, { signup: true, dialect: 'simple' });
    expect(first.account.email_verified_at).toBeGreaterThan(0);
    google.addUser({ sub: 'honest-g', email: 'honest@example.com', email_verified: true });
    const again = await srv.core.federation.resolve((await signIn(srv, google, 'google', 'honest-g')).profile, { signup: true, dialect: 'simple' });
    expect(again).toMatchObject({ linked: true, created: false });
    expect(again.account.id).toBe(first.account.id);
  });
});
