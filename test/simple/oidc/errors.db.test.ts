/**
 * simple-auth §7's refusals against a real OpenID provider: each reason the original answers
 * (oidc-invalid-code, oidc-invalid-state, oidc-code-error), an unknown provider, a replayed
 * callback, a callback carried to another browser, every kind of tampered or failing token
 * answer, and an email that belongs to another account. Each one: a 4xx in simple's envelope,
 * no session cookie, no account or identity written.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import { describeDb } from '../../support/server.js';
import { closeAllUpstreams } from '../../support/upstreams/http.js';
import type { TokenTamper } from '../../support/upstreams/oidc.js';
import { atProvider, browser, counts, person, PROVIDER, setCookie, start, startWithUpstream, type Answer, type Setup } from './flow.js';

let s: Setup;
beforeAll(async () => {
  // A short time limit, so that the 'slow' provider is given up on quickly.
  s = await startWithUpstream({ federationTimeoutMs: 1500 });
  s.up.addUser(person('alice'));
});
afterAll(async () => {
  await s?.close();
  await closeAllUpstreams();
});

/** A refusal: status and reason in simple's envelope, no session, nothing written. */
async function expectRefused(r: Answer, status: number, reason: string, before?: { users: number; identities: number }) {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body).toMatchObject({ error: true, reason });
  expect(typeof r.body.message).toBe('string');
  expect(setCookie(r, 'auth')).toBeUndefined();
  if (before) expect(await counts(s.srv)).toEqual(before);
}
const callbackOf = (url: string) => {
  const u = new URL(url);
  return { code: u.searchParams.get('code') ?? '', state: u.searchParams.get('state') ?? '', url };
};

await describeDb('simple: refused external sign-ins', () => {
  it('answers 404 in simple\'s envelope for an unknown provider, at both routes, setting no cookie', async () => {
    for (const path of ['/oidc/nope?continue=/x', '/oidc/nope/callback?code=c&state=s']) {
      const r = await browser(s.srv.url).go(path, { headers: { cookie: 'oidcState=s' } });
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ error: true, message: 'Not Found', reason: 'oidc-provider-unknown' });
      expect(r.setCookies).toEqual([]);
    }
  });

  it('answers 400 oidc-invalid-code without a code (the provider reports an error), and clears the state', async () => {
    const b = browser(s.srv.url);
    const started = await start(b);
    const state = new URL(started.location).searchParams.get('state') as string;
    const r = await b.go(`/oidc/${PROVIDER.id}/callback?error=access_denied&state=${state}`);
    await expectRefused(r, 400, 'oidc-invalid-code');
    expect(setCookie(r, 'oidcState')).toMatch(/^oidcState=;/);
  });

  it('answers 400 oidc-invalid-state when the browser has no oidcState cookie', async () => {
    const b = browser(s.srv.url);
    const started = await start(b);
    const back = await atProvider(s, started.location, 'alice');
    const before = await counts(s.srv);
    await expectRefused(await browser(s.srv.url).go(back), 400, 'oidc-invalid-state', before);
  });

  it('answers 401 oidc-invalid-state when the state differs from the cookie, and clears the cookie', async () => {
    const b = browser(s.srv.url);
    const started = await start(b);
    const { code } = callbackOf(await atProvider(s, started.location, 'alice'));
    const before = await counts(s.srv);
    const r = await b.go(`/oidc/${PROVIDER.id}/callback?code=${encodeURIComponent(code)}&state=forged`);
    await expectRefused(r, 401, 'oidc-invalid-state', before);
    expect(setCookie(r, 'oidcState')).toMatch(/^oidcState=;/);
    expect(b.cookie('oidcState')).toBeUndefined();
  });

  it('refuses a callback carried to another browser (its own sign-in under way), which does not spoil the right one', async () => {
    const victim = browser(s.srv.url);
    await start(victim);
    const attacker = browser(s.srv.url);
    const attackerStart = await start(attacker);
    const attackerBack = await atProvider(s, attackerStart.location, 'alice');
    const before = await counts(s.srv);
    // The attacker's code and state in the victim's browser: the victim's cookie does not match.
    await expectRefused(await victim.go(attackerBack), 401, 'oidc-invalid-state', before);
    expect((await victim.api('GET', 'account')).status).toBe(401);
    // The attacker's own browser still completes its own sign-in.
    expect((await attacker.go(attackerBack)).status).toBe(307);
  });

  it('accepts a callback once: the same code and state again (cookie re-sent) is 401 oidc-invalid-state', async () => {
    const b = browser(s.srv.url);
    const started = await start(b);
    const stateCookie = b.cookie('oidcState') as string;
    const back = await atProvider(s, started.location, 'alice');
    expect((await b.go(back)).status).toBe(307);
    const replay = await browser(s.srv.url).go(back, { headers: { cookie: `oidcState=${stateCookie}` } });
    await expectRefused(replay, 401, 'oidc-invalid-state');
  });

  const tampers: TokenTamper[] = ['bad-signature', 'wrong-audience', 'wrong-issuer', 'expired', 'wrong-nonce', 'no-id-token', 'garbage', 'error', 'slow', 'down'];
  for (const mode of tampers) {
    it(`refuses a token answer that is ${mode}: 401 oidc-code-error, no account or identity written`, async () => {
      s.up.addUser(person(`t-${mode}`));
      const b = browser(s.srv.url);
      const started = await start(b);
      const back = await atProvider(s, started.location, `t-${mode}`);
      const before = await counts(s.srv);
      s.up.tamper(mode);
      const t0 = Date.now();
      try {
        await expectRefused(await b.go(back), 401, 'oidc-code-error', before);
      } finally {
        s.up.tamper('none');
      }
      // Given up on within the time limit, not hanging.
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect((await b.api('GET', 'account')).status).toBe(401);
    });
  }

  it('signs in again normally once the provider behaves', async () => {
    const b = browser(s.srv.url);
    const started = await start(b);
    expect((await b.go(await atProvider(s, started.location, 'alice'))).status).toBe(307);
    expect((await b.api('GET', 'account')).status).toBe(200);
  });

  it('answers 409 account-email-exists (the original: 500) when an unverified email belongs to another account', async () => {
    await s.srv.core.accounts.create({ username: 'localuser', password: 'local-pass', email: 'shared@example.com' });
    s.up.addUser(person('mallory', { email: 'shared@example.com', email_verified: false }));
    const b = browser(s.srv.url);
    const started = await start(b);
    const back = await atProvider(s, started.location, 'mallory');
    const before = await counts(s.srv);
    await expectRefused(await b.go(back), 409, 'account-email-exists', before);
  });

  it('links to the account with the same email when the provider asserts it verified', async () => {
    const local = await s.srv.core.accounts.create({ username: 'verified', password: 'local-pass', email: 'verified@example.com' });
    s.up.addUser(person('victor', { email: 'verified@example.com', email_verified: true }));
    const b = browser(s.srv.url);
    const started = await start(b);
    expect((await b.go(await atProvider(s, started.location, 'victor'))).status).toBe(307);
    const me = await b.api('GET', 'account');
    expect(me.body.id).toBe(local.uuid);
    expect(me.body.auth.local).toMatchObject({ username: 'verified' });
    expect(me.body.auth.oidc).toEqual([{ provider: PROVIDER.id, subject: 'victor', icon: PROVIDER.icon, name: PROVIDER.name }]);
  });

  it('answers 400 bad-request, not 500, for NUL or oversized callback parameters', async () => {
    const b = browser(s.srv.url);
    await start(b);
    const state = b.cookie('oidcState') as string;
    await expectRefused(await b.go(`/oidc/${PROVIDER.id}/callback?code=a%00b&state=${state}`), 400, 'bad-request');
    await expectRefused(await b.go(`/oidc/${PROVIDER.id}/callback?code=${'x'.repeat(5000)}&state=${state}`), 400, 'bad-request');
    await expectRefused(await b.go(`/oidc/${'p'.repeat(200)}`), 400, 'bad-request');
  });
});
