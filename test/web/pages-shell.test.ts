/**
 * The front end as served: every page address answers the app's document under the page CSP
 * (no inline script, no `unsafe-inline`), the built files are cached for a year and sent gzipped,
 * simple-auth's hash links land on the app's addresses, and the language follows Accept-Language.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../support/chromium.js';
import { openPage } from '../support/browser.js';
import { startServer, client, type TestServer } from '../support/server.js';
import { PAGE_PATHS } from '../../src/web/index.js';

const missing = chromiumMissing;
if (missing && process.env.CI) throw new Error(`CI requires Chromium: ${missing}`);
if (missing) console.warn(`[pages shell] browser part skipped: ${missing}`);

describe('the hosted pages: document, files and language', () => {
  let srv: TestServer;
  let browser: Browser | undefined;
  beforeAll(async () => {
    srv = await startServer({ webPrimaryColor: '#0f766e' });
    if (!missing) browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  it('serves the same document at every page address, with a CSP that allows no inline code', async () => {
    for (const path of PAGE_PATHS) {
      const r = await client(srv.url)('GET', path.replace('*', 'x'));
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/html/);
      const csp = String(r.headers.get('content-security-policy'));
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.text).toMatch(/<meta name="csrf" content="[A-Za-z0-9]{32}">/);
    }
  });

  it('caches the built files for a year, gzipped when asked, and 404s unknown files', async () => {
    const doc = await client(srv.url)('GET', '/');
    const files = [...doc.text.matchAll(/\/assets\/([\w.-]+)/g)].map((m) => m[1] as string);
    expect(files.length).toBe(2);
    for (const f of files) {
      const plain = await client(srv.url)('GET', `/assets/${f}`, { headers: { 'accept-encoding': 'identity' } });
      expect(plain.headers.get('content-encoding')).toBeNull();
      expect(plain.status).toBe(200);
      expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const zipped = await fetch(`${srv.url}/assets/${f}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(zipped.headers.get('content-encoding')).toBe('gzip');
      expect(await zipped.text()).toBe(plain.text);
    }
    expect((await client(srv.url)('GET', '/assets/nope.js')).status).toBe(404);
    expect((await client(srv.url)('GET', '/assets/..%2Fmanifest.json')).status).toBe(404);
  });

  it('picks the language from Accept-Language, falling back to LOCALE and then English', async () => {
    const lang = async (accept: string) => /<html lang="(\w+)"/.exec((await client(srv.url)('GET', '/', { headers: { 'accept-language': accept } })).text)?.[1];
    expect(await lang('fr-CA,fr;q=0.9,en;q=0.5')).toBe('fr');
    expect(await lang('de-DE,en;q=0.3')).toBe('en');
    expect(await lang('en;q=0.2, fr;q=0.8')).toBe('fr');
    expect(await lang('')).toBe('en');
  });

  it.skipIf(!!missing)('runs in Chromium without CSP violations, maps simple-auth hash links, and applies the brand colour', async () => {
    const { context, page, problems } = await openPage(browser as Browser);
    await page.goto(`${srv.url}/#/activate?account=a&token=b`);
    await page.waitForSelector('main h1');
    expect(new URL(page.url()).pathname).toBe('/activate');
    expect(new URL(page.url()).search).toBe('?account=a&token=b');
    expect(await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--primary').trim())).toBe('#0f766e');
    await page.goto(`${srv.url}/#/create`);
    await page.waitForSelector('main h1');
    expect(new URL(page.url()).pathname).toBe('/create');
    // simple-auth's manage page is /account, which sends a visitor who is not signed in to sign in.
    await page.goto(`${srv.url}/#/manage`);
    await page.waitForSelector('main h1');
    expect(new URL(page.url()).pathname).toMatch(/^\/(account)?$/);
    await page.goto(`${srv.url}/no-such-page`);
    expect(problems).toEqual([]);
    await context.close();
  });

  it.skipIf(!!missing)('a first visit to the sign-in page transfers less than 150 KB in all', async () => {
    const { context, page, problems } = await openPage(browser as Browser);
    const sizes: Promise<number>[] = [];
    page.on('requestfinished', (r) => sizes.push(r.sizes().then((s) => s.responseHeadersSize + s.responseBodySize)));
    await page.goto(`${srv.url}/`, { waitUntil: 'networkidle' });
    await page.waitForSelector('main h1');
    const total = (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
    expect(sizes.length).toBeGreaterThanOrEqual(3);
    expect(total).toBeLessThan(150 * 1024);
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe('the configured brand', () => {
  it('lets the page show an https logo (its origin only) and refuses unsafe brand settings at start', async () => {
    const srv = await startServer({ webLogoUrl: 'https://cdn.example.com/brand/logo.svg' });
    try {
      const r = await client(srv.url)('GET', '/');
      expect(r.headers.get('content-security-policy')).toContain("img-src 'self' data: https://cdn.example.com;");
      expect(r.text).toContain('"logoUrl":"https://cdn.example.com/brand/logo.svg"');
    } finally {
      await srv.close();
    }
    await expect(startServer({ webPrimaryColor: 'red;}body{display:none' })).rejects.toThrow(/WEB_PRIMARY_COLOR/);
    await expect(startServer({ webLogoUrl: 'javascript:alert(1)' })).rejects.toThrow(/WEB_LOGO_URL/);
    await expect(startServer({ webLogoUrl: 'http://cdn.example.com/logo.png' })).rejects.toThrow(/WEB_LOGO_URL/);
  });
});
