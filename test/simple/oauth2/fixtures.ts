import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { client, Res } from '../../support/server.js';

/** simple-auth's OAuth2 provider under test: the clients of the original's test configuration and the additions' clients. */
export const REDIRECT = 'http://example.com/redirect';
export const CLIENTS = {
  testid: {
    secret: 'client-secret',
    name: 'Test Client',
    author: 'sa',
    authorurl: 'http://sa.com',
    redirecturi: REDIRECT,
    issuerefreshtoken: true,
    scopes: ['a', 'b', 'username'],
    oidc: { signingmethod: 'HS256', signingkey: 'this-is-a-test-key' },
  },
  singleissue: {
    secret: 'si-secret',
    name: 'Single issue',
    author: 'sa',
    authorurl: 'http://sa.com',
    redirecturi: REDIRECT,
    scopes: ['name'],
    issuerefreshtoken: true,
    tokenexpiresseconds: 1,
    reusetoken: false,
  },
  noreuse: {
    secret: 'nr-secret',
    name: 'No reuse',
    redirecturi: REDIRECT,
    redirecturis: ['http://other.example.com/cb'],
    scopes: ['email', 'user'],
    issuerefreshtoken: true,
    reusetoken: false,
    oidc: { signingmethod: 'HS256', signingkey: 'this-is-a-test-key' },
  },
  spa: { secret: '', name: 'Public SPA', redirecturi: 'http://spa.example.com/cb', scopes: ['a'], public: true },
};

/** The provider's calls as the original's tests make them; `req` and `priv` are read at each call, after `beforeAll` set them. */
export function oauth2Calls(req: () => ReturnType<typeof client>, priv: () => Record<string, string>) {
  return {
    token: (body: Record<string, unknown>, headers?: Record<string, string>) => req()('POST', '/api/v1/auth/oauth2/token', { json: body, headers }),
    info: async (t: string) => (await req()('POST', '/api/v1/auth/oauth2/token_info', { json: { token: t } })).body,
    grant: (body: Record<string, unknown>) => req()('POST', '/api/v1/auth/oauth2/grant', { json: body, headers: priv() }),
    listTokens: async () => (await req()('GET', '/api/v1/auth/oauth2', { headers: priv() })).body.tokens as { client_id: string; short_token: string; type: string; created: string; expires: string }[],
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const oauthError = (r: Res, error: string) => {
  expect(r.status).toBe(400);
  expect(r.body.error).toBe(error);
  expect(typeof r.body.error_description).toBe('string');
};
export const s256 = (v: string) => createHash('sha256').update(v).digest('base64url');
