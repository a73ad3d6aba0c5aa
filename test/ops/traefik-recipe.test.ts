import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startServer, type TestServer } from '../support/server.js';

/**
 * deploy/traefik/*.yml (issue 15, item 2). Traefik is not packaged by Debian, so the suite does
 * not run it: it reads the recipe, then sends Gatehouse exactly what Traefik's forwardAuth sends
 * (the browser's Cookie and X-Forwarded-Method/-Proto/-Host/-Uri to the middleware's address) and
 * checks the answers Traefik acts on.
 */

const DIR = join(import.meta.dirname, '..', '..', 'deploy', 'traefik');

interface Dynamic {
  http: {
    routers: Record<string, { rule: string; middlewares?: string[]; service: string; tls?: unknown; priority?: number }>;
    middlewares: Record<string, { forwardAuth?: { address: string; trustForwardHeader: boolean; authResponseHeaders: string[] }; ipAllowList?: { sourceRange: string[] } }>;
    services: Record<string, { loadBalancer: { servers: { url: string }[]; healthCheck?: { path: string } } }>;
  };
}

const dynamic = parse(readFileSync(join(DIR, 'gatehouse.yml'), 'utf8')) as Dynamic;
const staticConf = parse(readFileSync(join(DIR, 'traefik.yml'), 'utf8')) as { entryPoints: Record<string, { address: string; http?: { redirections?: unknown } }>; providers: { file: { filename: string } } };

describe('deploy/traefik recipe', () => {
  it('routes the application through the vouch forward-auth, keeps /metrics inside, checks readiness', () => {
    const { routers, middlewares, services } = dynamic.http;
    expect(routers.app?.middlewares).toEqual(['gatehouse-auth']);
    const auth = middlewares['gatehouse-auth']?.forwardAuth;
    expect(new URL(auth?.address ?? '').pathname).toBe('/api/v1/auth/vouch');
    expect(auth?.trustForwardHeader).toBe(false);
    expect(auth?.authResponseHeaders).toEqual(['X-User-Id']);
    expect(routers['gatehouse-metrics']?.middlewares).toEqual(['internal-only']);
    expect(routers['gatehouse-metrics']?.rule).toContain('Path(`/metrics`)');
    expect(services.gatehouse?.loadBalancer.healthCheck?.path).toBe('/health/ready');
    for (const r of Object.values(routers)) expect(r.tls).toBeDefined();
    expect(staticConf.entryPoints.web?.http?.redirections).toBeDefined();
    expect(staticConf.entryPoints.websecure?.address).toBe(':443');
  });

  describe('what Traefik’s forwardAuth gets from Gatehouse', () => {
    let srv: TestServer;
    const address = new URL(dynamic.http.middlewares['gatehouse-auth']?.forwardAuth?.address ?? '');
    /** The request Traefik makes for a browser's GET https://app.example.com/page?a=1&b=2. */
    const forwardAuth = (cookie?: string) =>
      fetch(`${srv.url}${address.pathname}${address.search}`, {
        redirect: 'manual',
        headers: {
          'x-forwarded-method': 'GET',
          'x-forwarded-proto': 'https',
          'x-forwarded-host': 'app.example.com',
          'x-forwarded-uri': '/page?a=1&b=2',
          'x-forwarded-for': '198.51.100.7',
          ...(cookie ? { cookie } : {}),
        },
      });

    beforeAll(async () => {
      srv = await startServer({ trustProxy: true, vouchEnabled: true, vouchUserHeader: 'X-User-Id', simpleBaseUrl: 'https://auth.example.com/', simpleCookieSigningKey: 'traefik-recipe-key' });
      await srv.core.accounts.create({ username: 'traefik.user', password: 'traefik-pass', email: 'traefik@example.com' });
    });
    afterAll(async () => {
      await srv?.close();
    });

    it('without a session: 307 to the sign-in page, with the application URL as continue', async () => {
      const r = await forwardAuth();
      expect(r.status).toBe(307);
      expect(r.headers.get('location')).toBe(`https://auth.example.com/?continue=${encodeURIComponent('https://app.example.com/page?a=1&b=2')}`);
    });

    it('with a session: 200 and X-User-Id, which Traefik copies onto the request', async () => {
      const login = await client(srv.url)('POST', '/api/v1/auth/session', { json: { username: 'traefik.user', password: 'traefik-pass' }, headers: { cookie: '_csrf=t', 'x-csrf-token': 't' } });
      expect(login.status).toBe(200);
      const cookie = login.headers.getSetCookie().find((c) => c.startsWith('auth='))?.split(';')[0];
      const r = await forwardAuth(cookie);
      expect(r.status).toBe(200);
      expect(r.headers.get('x-user-id')).toBe(login.body.id);
    });
  });
});
