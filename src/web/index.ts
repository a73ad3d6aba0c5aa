import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../core/index.js';
import { pageHeaders } from './headers.js';
import { loadAssets, type Assets } from './assets.js';
import { pickLocale } from './locale.js';
import { shellHtml, type Boot } from './shell.js';

/**
 * Every address the front end answers (src/web/client/routes.tsx): the server sends the same
 * document for each, and the app shows the page of the address. simple-auth's hash addresses
 * (`/#/activate`, `/#/manage`, `/#/oauth2`) reach `/` and are mapped by the app.
 */
export const PAGE_PATHS = ['/', '/create', '/forgot-password', '/activate', '/reset-password', '/sign-up', '/consent', '/account', '/account/*', '/admin', '/admin/*'];

export interface WebOptions {
  /** simple-auth's CSRF token for this browser (issued in a cookie when it has none). */
  csrf(req: FastifyRequest, reply: FastifyReply): string;
  /** simple-auth's continue-URL allowlist: the page's `continue` parameter, or where to land by default. */
  continueUrl(asked: string): string;
  /** The built front end; tests may pass their own. */
  assets?: Assets;
}

/** The hosted pages: account pages and the admin console, one app, served by the same process. */
export async function webPages(app: FastifyInstance, core: Core, o: WebOptions): Promise<void> {
  const assets = o.assets ?? loadAssets();
  const script = assets.entry('app.js');
  const style = assets.entry('app.css');
  const headers = pageHeaders(core.config).files();
  const c = core.config;

  app.get<{ Params: { file: string } }>('/assets/:file', { schema: { hide: true } }, async (req, reply) => {
    const a = assets.get(req.params.file);
    if (!a) return reply.code(404).type('text/plain; charset=utf-8').send('Not Found');
    const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
    reply.header('cache-control', 'public, max-age=31536000, immutable').header('vary', 'Accept-Encoding').header('x-content-type-options', 'nosniff').type(a.type);
    if (gzip) reply.header('content-encoding', 'gzip');
    return reply.send(gzip ? a.gzip : a.body);
  });

  /** A reset link's state, from its stored row (every dialect's reset token is one, core.recovery). */
  const resetLink = async (token: unknown): Promise<Boot['resetLink']> => {
    if (typeof token !== 'string' || !token) return 'expired';
    const row = await core.codes.peek(token, ['reset']);
    if (!row || row.user_id === null || row.expires_at <= Date.now()) return 'expired';
    return row.consumed_at !== null ? 'used' : 'valid';
  };

  const page = async (req: FastifyRequest<{ Querystring: { continue?: string | string[]; token?: string | string[] } }>, reply: FastifyReply) => {
    const csrf = o.csrf(req, reply);
    // echo's QueryParam: the first of repeated values.
    const asked = [req.query.continue].flat()[0];
    const boot: Boot = {
      company: c.simpleCompany,
      logoUrl: c.webLogoUrl,
      primaryColor: c.webPrimaryColor,
      locale: pickLocale(req.headers['accept-language'], c.locale),
      login: {
        createAccount: c.simpleCreateAccountEnabled,
        forgotPassword: c.simpleOnetimeEnabled && c.simpleOnetimeAllowForgotPassword,
        continueUrl: o.continueUrl(typeof asked === 'string' ? asked : ''),
        providers: (await core.federation.providers()).map((p) => ({ id: p.id, name: p.name })),
      },
      requirements: { usernameRegex: c.simpleUsernameRegex, usernameMin: c.simpleUsernameMinLength, usernameMax: c.simpleUsernameMaxLength, passwordMin: c.simplePasswordMinLength, passwordMax: c.simplePasswordMaxLength },
      admin: c.webAdminEnabled,
      totp: c.simpleTwoFactorEnabled,
    };
    if (req.routeOptions.url === '/reset-password') boot.resetLink = await resetLink([req.query.token].flat()[0]);
    headers(reply);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').header('vary', 'Cookie, Accept-Language').send(shellHtml({ boot, csrf, script, style }));
  };
  for (const path of PAGE_PATHS) {
    if (!c.webAdminEnabled && path.startsWith('/admin')) continue;
    app.get(path, { schema: { hide: true } }, page);
  }
}
