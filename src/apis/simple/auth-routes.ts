import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../core/index.js';
import { CoreError } from '../../core/errors.js';
import { safeEqual } from '../../core/util/crypto.js';
import { EMAIL, type Account } from '../../core/accounts/accounts.js';
import { header } from '../request-info.js';
import { deviceOf, trustDevice } from '../shared/device.js';
import { SimpleError, simpleFail, toSimpleError } from './errors.js';
import { bind, cookies, countSecretGuess, optionalString, required, sessionOf, setSessionCookie, startWebSession } from './http.js';
import * as S from './schemas.js';

const tags = ['simple'];
/** A login body's fields for core's AssertLogin; non-strings count as absent. */
function assertLogin(core: Core, req: FastifyRequest, b: { username?: unknown; password?: unknown; totp?: unknown }, device?: string): Promise<Account> {
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  return core.accounts.assertLogin({ login: text(b.username), password: text(b.password), totp: typeof b.totp === 'string' ? b.totp : null, ip: req.ip, device });
}

export function authRoutes(app: FastifyInstance, core: Core) {
  const c = core.config;

  app.post('/auth/session', { config: { simpleAuth: 'public' }, schema: { tags, summary: 'Sign in: sets the session cookie', body: S.LoginBody, response: { 200: S.SessionResponse, ...S.errors } } }, async (req, reply) => {
    const b = bind<{ username: string; password: string; totp: string }>(req);
    required(b.username, 'loginRequest', 'Username');
    required(b.password, 'loginRequest', 'Password');
    if (core.webSessions.problem) simpleFail(500, 'session-disabled', 'session-disabled');
    const device = deviceOf(core, req);
    const user = await assertLogin(core, req, b, device);
    await startWebSession(core, reply, user, 'login');
    trustDevice(core, reply, device);
    await core.accounts.touchLastLogin(user.id);
    return { success: true, id: user.uuid };
  });

  app.delete('/auth/session', { config: { simpleAuth: 'public' }, schema: { tags, summary: 'Sign out: clears the session cookie', response: { 200: S.Success, ...S.errors } } }, async (req, reply) => {
    // The original only cleared the cookie; a copy of it would have stayed valid until it expired.
    const token = cookies(req).get(c.simpleCookieName);
    const session = token ? sessionOf(core, token) : undefined;
    // Its stored row ends with it (the session list shows it no more); a cookie from before
    // sessions were stored has none, and its signature is revoked alone.
    if (session && !(token && (await core.sessions.endByAccess(token)))) await core.revocations.revokeHash(session.sigHash, session.expMs);
    setSessionCookie(core, reply, '', new Date());
    return { success: true };
  });

  app.post('/auth/onetime', { config: { simpleAuth: 'public', simpleWhen: ['simpleOnetimeEnabled', 'simpleOnetimeAllowForgotPassword'] }, schema: { tags, summary: 'Mail a one-time sign-in link (same answer for unknown emails)', body: S.OnetimeBody, response: { 200: S.Success, ...S.errors } } }, async (req) => {
    const email = required(bind<{ email: string }>(req).email, 'onetimeRequest', 'Email');
    if (!EMAIL.test(email)) simpleFail(400, 'bad-request', "Key: 'onetimeRequest.Email' Error:Field validation for 'Email' failed on the 'email' tag");
    // The same answer, and the same work, for unknown emails and for capped mails.
    await core.onetime.request(email, { ttlSec: c.simpleOnetimeDuration, ip: req.ip });
    return { success: true };
  });

  app.get<{ Querystring: { token?: string } }>(
    '/auth/onetime',
    { config: { simpleWhen: ['simpleOnetimeEnabled'] }, schema: { tags, summary: 'Use a one-time link: sets the session (src onetime) and 307 to /', querystring: S.TokenQuery, response: { 307: { type: 'null' }, ...S.errors } } },
    async (req, reply) => {
      const token = req.query.token;
      if (!token) return simpleFail(400, 'bad-request', 'missing token');
      const user = await core.onetime.consume(token, req.ip).catch((e: unknown) => {
        if (!(e instanceof CoreError)) throw e;
        const se = toSimpleError(e);
        throw new SimpleError(401, se.reason, se.message);
      });
      await startWebSession(core, reply, user, 'onetime');
      return reply.code(307).header('location', '/').send();
    },
  );

  app.post('/auth/simple', { config: { simpleWhen: ['simpleAuthEnabled'] }, schema: { tags, summary: 'Check a username/email and password for a backend (own Bearer secret)', security: [{ BearerAuth: [] }], body: S.LoginBody, response: { 200: S.SimpleResponse, ...S.errors } } }, async (req) => {
    if (c.simpleAuthSecret) {
      const auth = header(req, 'authorization');
      if (!auth) simpleFail(400, 'bad-request', 'authorization header required');
      const parts = (auth as string).split(' ');
      if (parts.length !== 2 || parts[0] !== 'Bearer') simpleFail(400, 'bad-request', "expected 'Bearer' on authHeader");
      if (!safeEqual(parts[1] as string, c.simpleAuthSecret)) {
        await countSecretGuess(core, req);
        simpleFail(401, 'invalid-auth-token', 'invalid-auth-token');
      }
    }
    const b = bind<{ username: string; password: string; totp: string }>(req);
    try {
      const user = await assertLogin(core, req, b);
      return { id: user.uuid, username: user.username_norm };
    } catch (e) {
      if (!(e instanceof CoreError)) throw e;
      const se = toSimpleError(e);
      // Every refusal is 403 with its reason (the original's contract), except throttling.
      throw se.status === 429 ? se : new SimpleError(403, se.reason, se.message);
    }
  });

  app.get<{ Querystring: { forward?: string; continue?: string } }>(
    '/auth/vouch',
    {
      config: { simpleWhen: ['vouchEnabled'] },
      schema: {
        tags,
        summary: 'Forward-auth (nginx auth_request, traefik forwardAuth): 200 with a session, else 401 or 307 to login',
        security: [{ SessionAuth: [] }],
        querystring: S.VouchQuery,
        response: { 200: S.Success, 307: { type: 'null' }, 401: S.ErrorBody, 404: S.EchoBody },
      },
    },
    // Synchronous, and the body is written once: forward-auth runs before every proxied request.
    (req, reply: FastifyReply) => {
      const token = cookies(req).get(c.simpleCookieName);
      if (token) {
        const s = sessionOf(core, token);
        if (!s) return simpleFail(401, 'unauthorized', 'Unable to authenticate: unable to parse JWT');
        if (c.vouchUserHeader) reply.header(c.vouchUserHeader, s.sub);
        return reply.type('application/json; charset=utf-8').send(SUCCESS_BODY);
      }
      if (req.query.forward) {
        const host = header(req, 'x-forwarded-host');
        const cont = optionalString(req.query.continue) || (host ? `${header(req, 'x-forwarded-proto') || 'http'}://${host}${header(req, 'x-forwarded-uri') ?? ''}` : '');
        return reply.code(307).header('location', loginUrl(c.simpleBaseUrl, cont)).send();
      }
      return simpleFail(401, 'unauthorized', 'Request did not pass any authentication schemes', { cause: true });
    },
  );
}

const SUCCESS_BODY = JSON.stringify({ success: true });

/** `web.baseurl` with `continue` added to its query, exactly as Go's url.Values encodes it. */
export function loginUrl(base: string, cont: string): string {
  if (!cont) return base;
  const i = base.indexOf('?');
  const enc = encodeURIComponent(cont).replace(/%20/g, '+').replace(/[!'()*]/g, (ch) => '%' + ch.charCodeAt(0).toString(16).toUpperCase());
  const q = i < 0 ? '' : base.slice(i + 1);
  return `${i < 0 ? base : base.slice(0, i)}?${q ? q + '&' : ''}continue=${enc}`;
}
