/**
 * Item 7 of issue 9: every HTML page (the hosted pages at `/`, the API docs at `/docs`)
 * sends a Content-Security-Policy that forbids framing unless configured, X-Frame-Options,
 * nosniff, a Referrer-Policy that keeps OAuth2 codes out of Referer, and HSTS when the public
 * address is https; and the pages still work under that policy in Chromium.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../support/chromium.js';
import { client, startServer, type Res, type TestServer } from '../support/server.js';

const PAGES = ['/', '/docs'];
const csp = (r: Res) => Object.fromEntries(String(r.headers.get('content-security-policy')).split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(' ')]));

describe('security headers of the hosted pages (defaults: http, nobody may frame)', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer();
  });
  afterAll(async () => {
    await srv?.close();
  });

  it.each(PAGES)('%s: CSP frame-ancestors none, X-Frame-Options DENY, nosniff, no-referrer, no HSTS over http', async (path) => {
    const r = await client(srv.url)('GET', path);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    const p = csp(r);
    expect(p['default-src']).toBe("'none'");
    expect(p['frame-ancestors']).toBe("'none'");
    expect(p['base-uri']).toBe("'none'");
    expect(p['object-src']).toBe("'none'");
    expect(p['connect-src']).toBe("'self'");
    expect(p['form-action']).toBe("'self'");
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    expect(r.headers.get('strict-transport-security')).toBeNull();
  });

  it('/: scripts and styles only from this origin; the one inline <script> is JSON data, which never runs', async () => {
    const r = await client(srv.url)('GET', '/');
    expect(csp(r)['script-src']).toBe("'self'");
    expect(csp(r)['style-src']).toBe("'self'");
    expect(r.headers.get('content-security-policy')).not.toMatch(/unsafe-inline|nonce-/);
    const inline = [...r.text.matchAll(/<script([^>]*)>([^<]*)<\/script>/g)].filter((m) => (m[2] ?? '').trim() !== '');
    expect(inline.map((m) => m[1])).toEqual([' type="application/json" id="boot"']);
    expect(r.text).not.toMatch(/<style/);
    // No inline event handler attributes either.
    expect(r.text).not.toMatch(/\son[a-z]+="/);
  });

  it('/docs: scripts and styles only from this origin (no inline script)', async () => {
    const r = await client(srv.url)('GET', '/docs');
    expect(csp(r)['script-src']).toBe("'self'");
    expect(csp(r)['style-src']?.split(' ')[0]).toBe("'self'");
    expect(r.text).not.toMatch(/<script>|<script [^>]*>[^<\s]/);
  });
});

describe('security headers with an https PUBLIC_URL and configured frame ancestors', () => {
  const servers: TestServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  const start = async (o: Parameters<typeof startServer>[0]) => {
    const s = await startServer(o);
    servers.push(s);
    return s;
  };

  it.each(PAGES)('%s: HSTS only when PUBLIC_URL is https', async (path) => {
    const https = await start({ publicUrl: 'https://auth.example.com' });
    expect((await client(https.url)('GET', path)).headers.get('strict-transport-security')).toBe('max-age=31536000');
  });

  it("frameAncestors 'self': the CSP says it and X-Frame-Options is SAMEORIGIN", async () => {
    const s = await start({ frameAncestors: "'self'" });
    for (const path of PAGES) {
      const r = await client(s.url)('GET', path);
      expect(csp(r)['frame-ancestors']).toBe("'self'");
      expect(r.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    }
  });

  it('frameAncestors naming other origins: the CSP lists them and X-Frame-Options, which cannot, is left out', async () => {
    const s = await start({ frameAncestors: "'self' https://portal.example.com" });
    const r = await client(s.url)('GET', '/');
    expect(csp(r)['frame-ancestors']).toBe("'self' https://portal.example.com");
    expect(r.headers.get('x-frame-options')).toBeNull();
  });

  it('a frameAncestors value that would add CSP directives is refused at start', async () => {
    await expect(startServer({ frameAncestors: "'self'; script-src *" })).rejects.toThrow(/frameAncestors \(FRAME_ANCESTORS\)/);
  });
});

const missing = chromiumMissing;
if (missing && process.env.CI) throw new Error(`CI requires Chromium: ${missing}`);
if (missing) console.warn(`[page headers in Chromium] skipped: ${missing}`);

(missing ? describe.skip : describe)('the policies in Chromium', () => {
  let srv: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    srv = await startServer();
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  it('/docs renders its operations without a single CSP violation, and the policy is enforced', async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(`${srv.url}/docs`);
    await page.waitForSelector('.opblock-summary');
    await page.click('.opblock-summary >> nth=0');
    await page.waitForSelector('.opblock-body');
    expect(violations).toEqual([]);
    // An injected inline script is blocked: the page runs under the policy, not beside it.
    const directive = await page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective));
          const s = document.createElement('script');
          s.textContent = 'window.injected = true';
          document.body.append(s);
          setTimeout(() => resolve('none'), 2000);
        }),
    );
    expect(directive).toBe('script-src-elem');
    expect(await page.evaluate(() => 'injected' in window)).toBe(false);
    await page.close();
  });

  it('no page, not even one of its own origin, can frame the sign-in page', async () => {
    const page = await browser.newPage();
    const refused: string[] = [];
    page.on('console', (m) => {
      if (m.text().includes(`violates the following Content Security Policy directive: "frame-ancestors 'none'"`)) refused.push(m.text());
    });
    const blocked = page.waitForEvent('requestfailed', (r) => r.url() === `${srv.url}/`);
    await page.route(`${srv.url}/framer`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: `<iframe src="${srv.url}/"></iframe>` }));
    await page.goto(`${srv.url}/framer`);
    expect((await blocked).failure()?.errorText).toBe('net::ERR_BLOCKED_BY_RESPONSE');
    await expect.poll(() => refused.length).toBe(1);
    await page.close();
  });
});
