import type { Locale } from './locale.js';

/** What every page starts from: the brand, the language, and what this server offers (src/web/client/boot.ts reads it). */
export interface Boot {
  company: string;
  logoUrl: string;
  primaryColor: string;
  locale: Locale;
  /** simple-auth's sign-in options (`appdata.login` of the original). */
  login: { createAccount: boolean; forgotPassword: boolean; continueUrl: string; providers: { id: string; name: string }[] };
  requirements: { usernameRegex: string; usernameMin: number; usernameMax: number; passwordMin: number; passwordMax: number };
  admin: boolean;
  /** Whether simple-auth's two-factor sign-in is on (the sign-in page can say so). */
  totp: boolean;
  /**
   * On `/reset-password?token=` only: the state of that link, checked when the page is served so
   * that a used or expired link says so before anyone types a new password.
   */
  resetLink?: 'valid' | 'expired' | 'used';
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
/** JSON inside `<script>`: `<`, `>` and `&` escaped so no value can close the element. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');

/**
 * The one HTML document of every page: the app's script and stylesheet (files of this origin, as
 * the CSP requires), the CSRF token in `<meta name="csrf">` as simple-auth's UI reads it, and the
 * boot data in a JSON `<script>` element, which is data, not code, so the CSP needs no exception.
 */
export function shellHtml(o: { boot: Boot; csrf: string; script: string; style: string }): string {
  return `<!doctype html>
<html lang="${o.boot.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="csrf" content="${escapeHtml(o.csrf)}"><title>${escapeHtml(o.boot.company)}</title>
<link rel="stylesheet" href="/assets/${o.style}"><script type="module" src="/assets/${o.script}"></script>
<script type="application/json" id="boot">${scriptJson(o.boot)}</script></head>
<body><div id="app"><noscript>${escapeHtml(o.boot.company)} needs JavaScript for this page.</noscript></div></body></html>`;
}
