/** FEATHERS_OAUTH_APP_URLS entries are checked when the server starts: a bad one stops it. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/index.js';
import { appUrls } from '../../../src/apis/feathers/oauth/app-url.js';

describe('FEATHERS_OAUTH_APP_URLS', () => {
  it('refuses entries that are no http(s) origin or origin and path', () => {
    for (const bad of [[], ['app.example'], ['/relative'], ['ftp://app.example'], ['https://u:p@app.example'], ['https://app.example/?q=1'], ['https://app.example/#x'], ['javascript:alert(1)']]) {
      expect(() => appUrls(bad), JSON.stringify(bad)).toThrow(ConfigError);
    }
  });

  it('reads a path entry as a prefix at a segment boundary', () => {
    const a = appUrls(['https://example.com/app']);
    expect(a.check('https://example.com/app')).toBe('https://example.com/app');
    expect(a.check('https://example.com/app/x?y=1')).toBe('https://example.com/app/x?y=1');
    expect(a.check('https://example.com/application')).toBeUndefined();
    expect(a.check('https://example.com/app/../admin')).toBeUndefined();
    expect(a.check('https://example.com/app/%2e%2e/admin')).toBeUndefined();
    expect(a.check('HTTPS://EXAMPLE.COM:443/app/')).toBe('https://example.com/app/');
  });
});
