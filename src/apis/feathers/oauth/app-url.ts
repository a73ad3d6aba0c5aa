import { ConfigError } from '../../../config/index.js';

/** One FEATHERS_OAUTH_APP_URLS entry: an origin, and the path a return URL must start with. */
interface Allowed {
  origin: string;
  /** `/` for a bare origin; otherwise ends with `/`, so `/app` does not admit `/application`. */
  path: string;
  exact: string;
}

export interface AppUrls {
  /**
   * The return URL to redirect to, normalized (what was checked is what is sent), or undefined
   * when it is not on the allowlist. A relative value is read against the first entry, as
   * Feathers appends its `redirect` parameter to its configured origin.
   */
  check(raw: string | undefined): string | undefined;
  /** Where a sign-in without `app_url` or `redirect` returns: the first entry. */
  fallback: string;
}

/** The fragment keys @feathersjs/authentication-client reads (`locationKey`, `locationErrorKey`). */
const CLIENT_KEYS = /access_token=|error=/;

/**
 * The allowlist of `app_url`s. Comparison is by parsed origin (scheme, host and port), never
 * by string prefix, so `https://app.example.evil.com`, `https://app.example@evil.com` and
 * `//evil.com` cannot pass for `https://app.example`.
 */
export function appUrls(entries: readonly string[]): AppUrls {
  const allowed = entries.map(parseEntry);
  const first = allowed[0];
  if (!first) throw new ConfigError('FEATHERS_OAUTH_APP_URLS must name at least one origin');
  return {
    fallback: first.exact,
    check(raw) {
      if (typeof raw !== 'string' || raw === '' || raw.length > 2048) return undefined;
      let u: URL;
      try {
        u = new URL(raw, first.exact);
      } catch {
        return undefined;
      }
      if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
      if (u.username !== '' || u.password !== '') return undefined;
      // A planted token in the fragment would be read before ours by the client.
      if (CLIENT_KEYS.test(u.hash)) return undefined;
      const ok = allowed.some((a) => a.origin === u.origin && (a.path === '/' || u.pathname === a.path.slice(0, -1) || u.pathname.startsWith(a.path)));
      return ok ? u.href : undefined;
    },
  };
}

function parseEntry(entry: string): Allowed {
  let u: URL;
  try {
    u = new URL(entry);
  } catch {
    throw new ConfigError(`FEATHERS_OAUTH_APP_URLS: ${entry} is not an absolute URL`);
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password || u.search || u.hash) {
    throw new ConfigError(`FEATHERS_OAUTH_APP_URLS: ${entry} must be an http(s) origin or origin and path, without credentials, query or fragment`);
  }
  const path = u.pathname.endsWith('/') ? u.pathname : `${u.pathname}/`;
  return { origin: u.origin, path, exact: u.href };
}

/**
 * The app URL with the Feathers client's fragment appended: `#access_token=<jwt>` or
 * `#error=<message>`. An app URL that already has a fragment (a hash router's `#/route`) gets
 * it as a query of that fragment, as @feathersjs/authentication-oauth does.
 */
export function withFragment(appUrl: string, data: { access_token: string } | { error: string }): string {
  const pair = 'access_token' in data ? `access_token=${encodeURIComponent(data.access_token)}` : `error=${encodeURIComponent(data.error)}`;
  const hash = appUrl.indexOf('#');
  if (hash < 0) return `${appUrl}#${pair}`;
  const fragment = appUrl.slice(hash + 1);
  if (fragment === '') return `${appUrl}${pair}`;
  return `${appUrl}${fragment.includes('?') ? '&' : '?'}${pair}`;
}
