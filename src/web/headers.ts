import type { FastifyReply } from 'fastify';
import { ConfigError, type Config } from '../config/index.js';

/**
 * The security headers of every HTML page Gatehouse serves: the hosted pages of this folder and
 * the API docs. Built once at start from the configuration.
 *
 * - The CSP lets a page run only its own origin's files (no inline code, no nonce), so an injected
 *   tag or attribute does not run; it may fetch only its own origin, show images of its own origin
 *   (and of the configured logo's), and is framed only by `frameAncestors` (nobody by default: no
 *   clickjacking of the Sign in and Grant buttons). X-Frame-Options says the same to browsers without CSP.
 * - `no-referrer`: the grant page's address and the redirect it makes carry OAuth2 parameters
 *   and codes, which must not travel to other sites in `Referer`.
 * - HSTS only when the public address is https: over plain http a browser would ignore it, and
 *   sending it from a development server would pin `localhost` to https.
 */
export function pageHeaders(config: Pick<Config, 'frameAncestors' | 'publicUrl'> & Partial<Pick<Config, 'webLogoUrl'>>) {
  const ancestors = config.frameAncestors.trim() || "'none'";
  // A `;` would let the setting add (or weaken) other directives of the policy.
  if (/[;,\r\n]/.test(ancestors)) throw new ConfigError(`frameAncestors (FRAME_ANCESTORS) must be CSP sources such as 'self' https://portal.example.com, got: ${ancestors}`);
  const fixed: Record<string, string> = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };
  // X-Frame-Options cannot name other origins: with a list, the CSP alone decides.
  if (ancestors === "'none'") fixed['x-frame-options'] = 'DENY';
  else if (ancestors === "'self'") fixed['x-frame-options'] = 'SAMEORIGIN';
  if (isHttps(config.publicUrl)) fixed['strict-transport-security'] = 'max-age=31536000';
  const logo = config.webLogoUrl?.startsWith('https://') ? ` ${new URL(config.webLogoUrl).origin}` : '';
  const rest = `connect-src 'self'; img-src 'self' data:${logo}; font-src 'self' data:; base-uri 'none'; object-src 'none'; form-action 'self'; frame-ancestors ${ancestors}`;
  return {
    /**
     * Headers of pages whose scripts and styles are files of this origin, except the inline
     * `<style>` elements named by their CSP hashes in `styles` (ones a third-party script inserts).
     */
    files(o: { styles?: string[] } = {}): (reply: FastifyReply) => void {
      const csp = `default-src 'none'; script-src 'self'; style-src ${["'self'", ...(o.styles ?? []).map((h) => `'${h}'`)].join(' ')}; ${rest}`;
      return (reply) => void reply.headers(fixed).header('content-security-policy', csp);
    },
  };
}

function isHttps(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}
