import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Core } from '../../core/index.js';
import { CoreError } from '../../core/errors.js';
import type { ExternalProfile } from '../../core/federation/types.js';
import { safeEqual } from '../../core/util/crypto.js';
import { SimpleError, simpleFail } from './errors.js';
import { cookies, sessionOf, setCookie, startWebSession } from './http.js';
import { resolveContinueUrl } from './root-routes.js';
import * as S from './schemas.js';

/**
 * simple-auth's external providers (§7): `GET /oidc/{id}` starts a sign-in at the provider,
 * `GET /oidc/{id}/callback` finishes it, on the federation engine. The original's cookies,
 * reasons and continue-URL rules, plus what it lacked: the id_token is verified against the
 * provider's keys with PKCE and the nonce checked (the engine), and the state is single use.
 * The same callback also finishes a link started by a signed-in user (account-routes.ts).
 */

const STATE_COOKIE = 'oidcState';
const CONTINUE_COOKIE = 'continue';
const FLOW_MS = 5 * 60_000;
const tags = ['simple'];

/** Federation failures in this dialect's reasons; the original's where it had one. */
const FEDERATION: Record<string, [number, string, string]> = {
  // The original mounted a route per configured provider, so an unknown one was echo's 404.
  provider_unknown: [404, 'oidc-provider-unknown', 'Not Found'],
  state_invalid: [401, 'oidc-invalid-state', 'oidc-invalid-state'],
  upstream_failed: [401, 'oidc-code-error', 'the provider could not be reached in time or answered garbage'],
  upstream_rejected: [401, 'oidc-code-error', 'the provider refused the code, or its id_token failed verification'],
  signup_disabled: [403, 'oidc-account-creation-disabled', 'oidc-account-creation-disabled'],
  // The original answered 500 (a unique-constraint failure) here.
  identity_conflict: [409, 'account-email-exists', 'the email belongs to another account; sign in to it and link this provider from there'],
  identity_taken: [409, 'oidc-identity-taken', 'this provider account is linked to another account'],
  last_login_method: [409, 'oidc-last-login-method', 'the account has no password: this is its only way in'],
};

/** Rethrows a federation failure as this dialect's error; anything else goes on to the error handler. */
export function fromFederation(e: unknown): never {
  const m = e instanceof CoreError ? FEDERATION[e.code] : undefined;
  if (m) throw new SimpleError(m[0], m[1], m[2]);
  throw e;
}

/** A flow cookie as the original sets it: HttpOnly, Path=/, five minutes; Secure with the session cookie. */
function flowCookie(core: Core, reply: FastifyReply, name: string, value: string, expires = new Date(Date.now() + FLOW_MS)): void {
  // SameSite=Lax, as our session cookie: the provider sends the browser back with a top-level GET.
  setCookie(reply, name, value, { path: '/', expires, httpOnly: true, secure: core.config.simpleCookieSecure, sameSite: 'Lax' });
}
const clearFlowCookie = (core: Core, reply: FastifyReply, name: string) => flowCookie(core, reply, name, '', new Date(0));

/** A URL as a cookie value: bytes a cookie cannot hold (space, `"`, `,`, `;`, `\`, non-ASCII) percent-encoded. */
const cookieSafe = (s: string) => s.replace(/[^\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]/gu, (ch) => encodeURIComponent(ch));

/** The first of a repeated query parameter, as echo's QueryParam. */
const first = (v: unknown): string => {
  const x = Array.isArray(v) ? v[0] : v;
  return typeof x === 'string' ? x : '';
};

/**
 * Sends the browser to provider `id`: the state in the `oidcState` cookie, the continue URL in
 * the `continue` cookie (as the original) and, authoritative, in the engine's record of the state.
 */
export async function beginAtProvider(core: Core, req: FastifyRequest, reply: FastifyReply, id: string, context: Record<string, string>): Promise<string> {
  const started = await core.federation
    .start({ provider: id, redirectUri: `${core.config.simpleBaseUrl.replace(/\/+$/, '')}/oidc/${encodeURIComponent(id)}/callback`, context, ip: req.ip })
    .catch(fromFederation);
  if (context.continue) flowCookie(core, reply, CONTINUE_COOKIE, cookieSafe(context.continue));
  flowCookie(core, reply, STATE_COOKIE, started.state);
  return started.url;
}

async function knownProvider(core: Core, id: string): Promise<void> {
  if (!(await core.federation.has(id))) simpleFail(...(FEDERATION.provider_unknown as [number, string, string]));
}

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
// Any parameter the provider adds (iss, session_state, error…), repeated or not; checked for NUL.
const Query = Type.Record(Type.String(), Type.Union([Type.String({ maxLength: 4096 }), Type.Array(Type.String({ maxLength: 4096 }))]));
const redirect = { 307: { type: 'null' } };

export function oidcRoutes(app: FastifyInstance, core: Core) {
  app.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>(
    '/oidc/:id',
    { schema: { tags, summary: 'Sign in with an external provider: 307 to it (cookies oidcState and continue)', params: Params, querystring: Query, response: { ...redirect, ...S.errors, 500: S.ErrorBody } } },
    async (req, reply) => {
      const id = req.params.id;
      await knownProvider(core, id);
      // As the password login: refused before the user goes through the provider for nothing.
      if (core.webSessions.problem) simpleFail(500, 'session-disabled', 'session-disabled');
      const cont = resolveContinueUrl(core, first(req.query.continue));
      const url = await beginAtProvider(core, req, reply, id, { continue: cont });
      return reply.code(307).header('location', url).header('cache-control', 'no-store').send();
    },
  );

  app.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>(
    '/oidc/:id/callback',
    { schema: { tags, summary: 'The provider sends the browser back here: session cookie (src oidc), 307 to the continue URL', params: Params, querystring: Query, response: { ...redirect, ...S.errors } } },
    async (req, reply) => {
      const id = req.params.id;
      await knownProvider(core, id);
      const params: Record<string, string> = {};
      for (const k of Object.keys(req.query ?? {})) params[k] = first(req.query[k]);
      const jar = cookies(req);
      const browserState = jar.get(STATE_COOKIE);
      // The flow is over whatever happens next: its state is never accepted twice.
      if (browserState !== undefined) clearFlowCookie(core, reply, STATE_COOKIE);
      if (!params.code) simpleFail(400, 'oidc-invalid-code', 'oidc-invalid-code');
      if (!browserState) simpleFail(400, 'oidc-invalid-state', 'oidc-invalid-state');
      if (!params.state || !safeEqual(params.state, browserState as string)) simpleFail(401, 'oidc-invalid-state', 'oidc-invalid-state');
      const done = await core.federation.finish({ provider: id, params, browserState }).catch(fromFederation);
      const back = done.context.continue || core.config.simpleRouteOnLogin || '/';
      if (done.context.link) await linkFinished(core, req, done.context.link, done.profile);
      else {
        const { account } = await core.federation.resolve(done.profile, { signup: core.config.simpleCreateAccountEnabled, dialect: 'simple', ip: req.ip }).catch(fromFederation);
        await startWebSession(core, reply, account, 'oidc');
        await core.accounts.touchLastLogin(account.id);
      }
      if (jar.has(CONTINUE_COOKIE)) clearFlowCookie(core, reply, CONTINUE_COOKIE);
      // From the engine's record of the state, not from the cookie: a cookie planted by a
      // sibling domain cannot turn the callback into an open redirect.
      return reply.code(307).header('location', back).header('cache-control', 'no-store').send();
    },
  );
}

/**
 * A link asked for by account `uuid` (account-routes.ts): the same account must still be signed
 * in on this browser, so a callback replayed in another browser or after sign-out links nothing.
 */
async function linkFinished(core: Core, req: FastifyRequest, uuid: string, profile: ExternalProfile): Promise<void> {
  const token = cookies(req).get(core.config.simpleCookieName);
  const session = token ? sessionOf(core, token) : undefined;
  if (!session || session.sub !== uuid) simpleFail(401, 'unauthorized', 'Unable to authenticate: the account that asked for the link is not signed in');
  const user = await core.accounts.byUuid(uuid);
  if (!user) return simpleFail(401, 'invalid-account', 'invalid-account');
  await core.federation.link(user.id, profile).catch(fromFederation);
}
