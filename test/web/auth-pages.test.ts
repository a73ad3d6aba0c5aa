/**
 * The public account pages in real Chromium (src/web/client/pages/auth/): sign-in with its error
 * messages and the TOTP prompt, the continue URL (and one outside the allowlist), account
 * creation with its live username check and the server's errors next to their fields, the OAuth2
 * consent page for a visitor who is not signed in, French, a phone-sized screen, and the
 * accessibility check on each page and state.
 */
import { afterAll, beforeAll, describe, expect, it as vit } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { TOTP, Secret } from 'otpauth';
import { chromiumMissing, launchChromium } from '../support/chromium.js';
import { expectAccessible, openPage, screenshot } from '../support/browser.js';
import { client, startServer, type TestServer } from '../support/server.js';

const missing = chromiumMissing;
if (missing && process.env.CI) throw new Error(`CI requires Chromium: ${missing}`);
if (missing) console.warn(`[auth pages] skipped: ${missing}`);

/** Browser flows on a busy machine: more time than the default. */
const it = (name: string, fn: () => Promise<void>) => vit(name, fn, 90_000);
const APP = 'http://app.example.test';
const SECRET = 'ORDRZHDCYXU435ETZCIQ====';
const totpNow = () => new TOTP({ secret: Secret.fromBase32(SECRET.replace(/=+$/, '')) }).generate();

(missing ? describe.skip : describe)('public account pages in Chromium', () => {
  let srv: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    srv = await startServer({
      apiExternal: true,
      apiSharedSecret: 'super-secret',
      simpleTwoFactorEnabled: true,
      simpleOnetimeAllowForgotPassword: true,
      simpleAllowedContinueUrls: ['http://app\\.example\\.test/.*'],
      oauth2Clients: { testid: { secret: 'client-secret', name: 'Test Client', author: 'sa', authorurl: 'http://sa.com', redirecturi: `${APP}/redirect`, scopes: ['a', 'b'] } },
    });
    await srv.core.accounts.create({ username: 'alice', password: 'alice-pass', email: 'alice@example.com' });
    const tf = await srv.core.accounts.create({ username: 'twofa', password: 'twofa-pass', email: 'twofa@example.com' });
    const on = await client(srv.url)('POST', '/api/v1/local/2fa', { json: { secret: SECRET, code: totpNow() }, headers: { authorization: 'SharedKey super-secret', 'x-account-uuid': tf.uuid } });
    expect(on.status).toBe(200);
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  const signIn = async (page: Page, username: string, password: string) => {
    await page.getByLabel('Username or email').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };

  it('sign-in: messages by reason, the TOTP prompt, links, and the account page afterwards', async () => {
    const { context, page, problems } = await openPage(browser);
    await page.goto(`${srv.url}/`);
    await page.getByLabel('Username or email').waitFor();
    expect(await page.title()).toContain('Sign in');
    expect(await page.getByRole('link', { name: 'Forgot password?' }).getAttribute('href')).toBe('/forgot-password');
    expect(await page.getByRole('link', { name: 'Create account' }).getAttribute('href')).toBe('/create');
    await expectAccessible(page, 'sign-in form');
    await screenshot(page, 'sign-in');
    await signIn(page, 'alice', 'wrong-pass');
    await page.getByRole('alert').filter({ hasText: 'Wrong username or password.' }).waitFor();
    await expectAccessible(page, 'sign-in with an error');

    await signIn(page, 'twofa', 'twofa-pass');
    await page.getByLabel('2FA code').waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('field-totp');
    await expectAccessible(page, 'sign-in TOTP prompt');
    await page.getByLabel('2FA code').fill('000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong 2FA code' }).waitFor();
    await page.getByLabel('2FA code').fill(totpNow());
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${srv.url}/account`);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('goes to an allowed continue URL after sign-in, and never off-site to one outside the allowlist', async () => {
    const { context, page, problems } = await openPage(browser);
    const offsite: string[] = [];
    await context.route('http://evil.example.test/**', async (route) => {
      offsite.push(route.request().url());
      await route.fulfill({ status: 200, body: 'evil' });
    });
    let landed = '';
    await context.route(`${APP}/**`, async (route) => {
      landed = route.request().url();
      await route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>App</title>' });
    });
    // Attack: an open redirect through the continue parameter.
    await page.goto(`${srv.url}/?continue=${encodeURIComponent('http://evil.example.test/steal')}`);
    await signIn(page, 'alice', 'alice-pass');
    await page.waitForURL(`${srv.url}/account`);
    expect(offsite).toEqual([]);
    for (const bad of ['//evil.example.test/x', 'javascript:alert(1)', `${APP}.evil.example.test/`]) {
      await page.goto(`${srv.url}/?continue=${encodeURIComponent(bad)}`);
      await page.waitForURL(`${srv.url}/account`);
    }
    expect(offsite).toEqual([]);
    // An allowed one is followed, by a visitor already signed in too.
    await page.goto(`${srv.url}/?continue=${encodeURIComponent(`${APP}/after`)}`);
    await expect.poll(() => landed, { timeout: 10_000 }).toBe(`${APP}/after`);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('create account: live username check, field errors from the server, then signed in on the account page', async () => {
    const { context, page, problems } = await openPage(browser);
    await page.goto(`${srv.url}/create`);
    await page.getByLabel('Username').waitFor();
    await expectAccessible(page, 'create-account form');
    await page.getByLabel('Username').fill('alice');
    await page.locator('#field-username-error').filter({ hasText: 'This username is taken.' }).waitFor();
    await page.getByLabel('Username').fill('Bad Name');
    await page.locator('#field-username-error').filter({ hasText: 'not allowed' }).waitFor();
    await page.getByLabel('Username').fill('bobby');
    await page.getByText('This username is available.').waitFor();
    // The email is taken: the server says so, next to the email field.
    await page.getByLabel('Email').fill('alice@example.com');
    await page.getByLabel('Password', { exact: true }).fill('bobby-pass');
    await page.getByLabel('Confirm password').fill('bobby-pass-x');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('#field-confirm-error').filter({ hasText: 'do not match' }).waitFor();
    await page.getByLabel('Confirm password').fill('bobby-pass');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('#field-email-error').filter({ hasText: 'An account with this email already exists.' }).waitFor();
    expect(await page.getByLabel('Email').getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page, 'create-account with field errors');
    await screenshot(page, 'create-account');
    await page.getByLabel('Email').fill('bobby@example.com');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('Your account is created and you are signed in').waitFor();
    await expectAccessible(page, 'create-account done');
    await page.waitForURL(`${srv.url}/account`);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('consent: a visitor without a session signs in on the page, sees the client and scopes, grants, and goes back with the code', async () => {
    const { context, page, problems } = await openPage(browser);
    let landed = '';
    await context.route(`${APP}/**`, async (route) => {
      landed = route.request().url();
      await route.fulfill({ status: 200, body: 'client' });
    });
    const q = `client_id=testid&redirect_uri=${encodeURIComponent(`${APP}/redirect`)}&response_type=code&scope=a%20b&state=s1`;
    await page.goto(`${srv.url}/oauth2?${q}`);
    await page.waitForURL((u) => u.pathname === '/consent');
    await page.getByLabel('Username or email').waitFor();
    await expectAccessible(page, 'consent sign-in');
    await signIn(page, 'alice', 'alice-pass');
    await page.locator('#grant').waitFor();
    expect(await page.textContent('#grant-text')).toBe('Test Client (by sa) asks to access your account.');
    expect(await page.locator('#scopes li').allTextContents()).toEqual(['a', 'b']);
    await expectAccessible(page, 'consent ask');
    await screenshot(page, 'consent');
    await page.getByRole('button', { name: 'Grant' }).click();
    await expect.poll(() => landed, { timeout: 10_000 }).toMatch(new RegExp(`^${APP.replace(/\./g, '\\.')}/redirect\\?code=\\d+&state=s1$`));
    await page.waitForURL(landed);
    // Once the client holds a token for these scopes, the same request is granted without asking (auto).
    const token = await client(srv.url)('POST', '/api/v1/auth/oauth2/token', {
      form: { grant_type: 'authorization_code', client_id: 'testid', client_secret: 'client-secret', code: new URL(landed).searchParams.get('code') as string, redirect_uri: `${APP}/redirect` },
    });
    expect(token.status).toBe(200);
    landed = '';
    await page.goto(`${srv.url}/consent?${q.replace('s1', 's2')}`);
    await expect.poll(() => landed, { timeout: 10_000 }).toMatch(/state=s2$/);
    await page.waitForURL(landed);
    // An unknown client is named as such.
    await page.goto(`${srv.url}/consent?client_id=nope&redirect_uri=${encodeURIComponent(`${APP}/redirect`)}&response_type=code&state=s3`);
    await page.getByText('Unknown application.').waitFor();
    await expectAccessible(page, 'consent unknown client');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('in French for a French browser, and usable on a phone-sized screen', async () => {
    const { context, page, problems } = await openPage(browser, { locale: 'fr-FR', viewport: { width: 390, height: 844 } });
    await page.goto(`${srv.url}/`);
    await page.getByLabel("Nom d'utilisateur ou e-mail").waitFor();
    expect(await page.locator('h1').textContent()).toBe('Connexion');
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    await signIn2(page);
    await page.getByRole('alert').filter({ hasText: "Nom d'utilisateur ou mot de passe incorrect." }).waitFor();
    // Nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await expectAccessible(page, 'sign-in in French on a phone');
    for (const path of ['/create', '/forgot-password', '/reset-password?token=x', '/activate', '/sign-up']) {
      await page.goto(`${srv.url}${path}`);
      await page.locator('main h1').waitFor();
      await page.waitForFunction(() => !document.querySelector('main [role=status]')?.textContent?.includes('…'));
      expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(390);
      await expectAccessible(page, `${path} in French on a phone`);
    }
    expect(await page.locator('h1').textContent()).toBe("Terminer l'inscription");
    expect(problems).toEqual([]);
    await context.close();

    async function signIn2(p: Page) {
      await p.getByLabel("Nom d'utilisateur ou e-mail").fill('alice');
      await p.getByLabel('Mot de passe').fill('nope');
      await p.getByRole('button', { name: 'Se connecter' }).click();
    }
  });

  it('forgot-password: the same page and answer for unknown and known addresses', async () => {
    const { context, page, problems } = await openPage(browser);
    const ask = async (email: string) => {
      await page.goto(`${srv.url}/forgot-password`);
      await page.getByLabel('Email').fill(email);
      const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/onetime'), { timeout: 60_000 });
      await page.getByRole('button', { name: 'Send the link' }).click();
      const r = await answered;
      await page.getByText('If an account exists').waitFor();
      return { status: r.status(), body: await r.text(), text: await page.locator('main').innerText() };
    };
    await page.goto(`${srv.url}/forgot-password`);
    await page.getByLabel('Email').waitFor();
    await expectAccessible(page, 'forgot-password form');
    expect(await ask('alice@example.com')).toEqual(await ask('nobody-here@example.com'));
    expect(problems).toEqual([]);
    await context.close();
  });
});
