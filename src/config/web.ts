import type { Config } from './index.js';
import { ConfigError, type Spec } from './settings.js';

/** The hosted pages (`src/web/`): the brand they show and whether the admin console is served. */
export interface WebConfig {
  /** A logo shown above every page: an https URL, or a path on this server; empty: the company name alone. */
  webLogoUrl: string;
  /** The brand colour of buttons and links, as `#rgb` or `#rrggbb`. */
  webPrimaryColor: string;
  /** Serves the admin console at `/admin` (it needs the `feathers` dialect's API). */
  webAdminEnabled: boolean;
}

export const WEB_SETTINGS: { [K in keyof WebConfig]: Spec<Config> } = {
  webLogoUrl: { env: 'WEB_LOGO_URL', def: () => '', kind: 'string' },
  webPrimaryColor: { env: 'WEB_PRIMARY_COLOR', def: () => '#1d4ed8', kind: 'string' },
  webAdminEnabled: { env: 'WEB_ADMIN_ENABLED', def: () => true, kind: 'boolean' },
};

/**
 * Checked at start, because both values end up in a stylesheet or an `<img src>`: a colour that is
 * not a plain hex value could close the CSS rule and add others, and a `javascript:` or foreign
 * http logo would be blocked by the CSP anyway (an image must be of this origin or https).
 */
export function checkWebConfig(c: Pick<Config, 'webLogoUrl' | 'webPrimaryColor'>): void {
  if (!/^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i.test(c.webPrimaryColor)) throw new ConfigError(`webPrimaryColor (WEB_PRIMARY_COLOR) must be a colour like #1d4ed8, got: ${c.webPrimaryColor}`);
  const logo = c.webLogoUrl;
  if (logo && !(logo.startsWith('/') && !logo.startsWith('//')) && !/^https:\/\/[^\s"'<>]+$/i.test(logo)) throw new ConfigError(`webLogoUrl (WEB_LOGO_URL) must be an https URL or a path starting with /, got: ${logo}`);
  if (/["'<>\s]/.test(logo)) throw new ConfigError(`webLogoUrl (WEB_LOGO_URL) must not contain quotes, angle brackets or spaces, got: ${logo}`);
}
