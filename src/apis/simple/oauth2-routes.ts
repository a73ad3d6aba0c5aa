import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../core/index.js';
import { CoreError } from '../../core/errors.js';
import { OAuthError } from '../../core/oauth2/index.js';
import { header } from '../request-info.js';
import { lockout, setRetryAfter } from '../shared/lockout.js';
import { EchoError, reasonOf, SimpleError, simpleErrorHandler, validationProblem } from './errors.js';
import { bind, callerOf } from './http.js';
import * as S from './schemas.js';

const tags = ['simple'];
const Str = Type.String({ maxLength: 4096 });
const OAuthErrorBody = Type.Object({ error: Type.String(), error_description: Type.String() });
const V1OrOAuth = Type.Union([S.ErrorBody, OAuthErrorBody]);

const ClientInfo = Type.Object({ name: Type.String(), author: Type.String(), author_url: Type.String() });
const GrantBody = S.Fields({
  client_id: Str,
  response_type: Str,
  redirect_uri: Str,
  scope: Str,
  state: Str,
  auto: Type.Union([Type.Boolean(), Str]),
  code_challenge: Str,
  code_challenge_method: Str,
});
const GrantResponse = Type.Object({ code: Type.String(), state: Type.Optional(Type.String()) });
const TokenBody = S.Fields({
  grant_type: Str,
  client_id: Str,
  client_secret: Str,
  code: Str,
  redirect_uri: Str,
  code_verifier: Str,
  username: Str,
  password: Str,
  totp: Str,
  scope: Str,
  refresh_token: Str,
});
const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.String(),
  expires_in: Type.Optional(Type.Integer()),
  refresh_token: Type.Optional(Type.String()),
  id_token: Type.Optional(Type.String()),
  scope: Type.Optional(Type.String()),
});
const TokenInfoBody = S.Fields({ token: Str });
const TokenInfoResponse = Type.Object({
  active: Type.Boolean(),
  scope: Type.Optional(Type.String()),
  client_id: Type.Optional(Type.String()),
  token_type: Type.Optional(Type.String()),
  iat: Type.Optional(Type.Integer()),
  exp: Type.Optional(Type.Integer()),
  sub: Type.Optional(Type.String()),
  aud: Type.Optional(Type.String()),
  iss: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
  username: Type.Optional(Type.String()),
});
const TokenList = Type.Object({
  tokens: Type.Array(
    Type.Object({
      client_id: Type.String(),
      client_name: Type.String(),
      short_token: Type.String(),
      type: Type.String(),
      created: Type.String(),
      expires: Type.String(),
    }),
  ),
});
const RevokeQuery = Type.Object({ client_id: Type.Optional(Str), token: Type.Optional(Str) });
const oauthErrors = { 400: OAuthErrorBody, 429: OAuthErrorBody };

/** Errors of the OAuth2 routes: OAuth's `{"error","error_description"}`, except the v1-envelope routes. */
function oauth2ErrorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
  const oauth = req.routeOptions.config.oauthErrors === true;
  // A refused sign-in (the password grant) is described by simple-auth's reason code.
  if (err instanceof OAuthError) return reply.code(400).send({ error: err.error, error_description: err.because ? reasonOf(err.because) : err.description });
  const locked = lockout(err);
  if (locked) {
    setRetryAfter(reply, locked.retryAfter);
    return reply.code(locked.status).send(oauth ? { error: 'invalid_request', error_description: locked.message } : { error: true, message: locked.message, reason: 'too-many-requests' });
  }
  if (oauth && !(err instanceof SimpleError) && !(err instanceof EchoError) && !(err instanceof CoreError)) {
    const fe = err as FastifyError;
    if (fe.validation) {
      const { field, message } = validationProblem(fe);
      return reply.code(400).send({ error: 'invalid_request', error_description: `Invalid ${field}: ${message}` });
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return reply.code(400).send({ error: 'invalid_request', error_description: `code=${fe.statusCode}, message=${fe.message}` });
    req.log.error({ err }, 'unhandled error');
    return reply.code(400).send({ error: 'server_error', error_description: 'internal error' });
  }
  return simpleErrorHandler(err, req, reply);
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route answers errors in OAuth's shape. */
    oauthErrors?: boolean;
  }
}

/** A bound field that must be a string when present (echo binds strings only). */
function str(b: Record<string, unknown>, field: string): string | undefined {
  const v = b[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new OAuthError('invalid_request', `Invalid ${field}`);
  return v;
}
function need(b: Record<string, unknown>, field: string): string {
  const v = str(b, field);
  if (!v) throw new OAuthError('invalid_request', `Missing ${field}`);
  return v;
}

/** `Authorization: Basic` client credentials (RFC 6749 §2.3.1), if sent. */
function basicAuth(req: FastifyRequest): { id: string; secret: string } | undefined {
  const h = header(req, 'authorization');
  if (!h) return undefined;
  const m = /^basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(h);
  if (!m) return undefined;
  const raw = Buffer.from(m[1] as string, 'base64').toString('utf8');
  const i = raw.indexOf(':');
  if (i < 0) throw new OAuthError('invalid_client', 'Malformed Basic authorization');
  const dec = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return { id: dec(raw.slice(0, i)), secret: dec(raw.slice(i + 1)) };
}

const BLANK = /^\s*$/;

/** The OAuth2 authorization server (§6). Mounted under /api/v1 in its own scope. */
export async function oauth2Routes(app: FastifyInstance, core: Core): Promise<void> {
  app.setErrorHandler(oauth2ErrorHandler);
  // echo skips an empty body whatever its content type; the token endpoint may carry everything in the query.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 64 * 1024 }, (req, body, done) => {
    if (typeof body !== 'string' || BLANK.test(body)) return done(null, {});
    return json(req, body as string, done);
  });
  const o2 = core.oauth2;
  const priv = { simpleAuth: 'private' as const };

  app.get<{ Params: { client_id: string } }>(
    '/auth/oauth2/client/:client_id',
    {
      config: { oauthErrors: true },
      schema: { tags, summary: 'OAuth2 client info (name, author)', params: Type.Object({ client_id: Type.String({ maxLength: 256 }) }), response: { 200: ClientInfo, 404: OAuthErrorBody, ...oauthErrors } },
    },
    async (req, reply) => {
      const c = await o2.clientInfo(req.params.client_id);
      if (!c) return reply.code(404).send({ error: 'invalid_client', error_description: 'Client id not found' });
      return { name: c.name, author: c.author, author_url: c.authorUrl };
    },
  );

  app.post(
    '/auth/oauth2/grant',
    {
      config: { ...priv, simpleWhen: ['oauth2WebGrant'], oauthErrors: true },
      schema: {
        tags,
        summary: 'Authorize a code for a client (the consent page; PKCE S256 optional, required for public clients)',
        body: GrantBody,
        response: { 200: GrantResponse, 401: S.ErrorBody, 403: Type.Union([S.ErrorBody, S.EchoBody]), 404: S.EchoBody, ...oauthErrors },
      },
    },
    async (req, reply) => {
      const who = callerOf(req);
      const b = bind<Record<string, unknown>>(req);
      const clientId = need(b, 'client_id');
      const responseType = need(b, 'response_type');
      const redirectUri = need(b, 'redirect_uri');
      const auto = b.auto;
      if (auto !== undefined && typeof auto !== 'boolean' && typeof auto !== 'string') throw new OAuthError('invalid_request', 'Invalid auto');
      return o2.grant(
        who.user,
        {
          clientId,
          responseType,
          redirectUri,
          scope: str(b, 'scope'),
          state: str(b, 'state'),
          auto: auto === true || auto === 'true' || auto === '1',
          codeChallenge: str(b, 'code_challenge'),
          codeChallengeMethod: str(b, 'code_challenge_method'),
        },
        req.ip,
      );
    },
  );

  app.post(
    '/auth/oauth2/token',
    {
      config: { oauthErrors: true },
      schema: {
        tags,
        summary: 'Token endpoint: authorization_code (PKCE), password, refresh_token, client_credentials (confidential clients); client_secret in the body or HTTP Basic',
        body: TokenBody,
        response: { 200: TokenResponse, ...oauthErrors },
      },
    },
    async (req, reply) => {
      const b = bind<Record<string, unknown>>(req);
      const basic = basicAuth(req);
      const grantType = need(b, 'grant_type');
      let clientId = str(b, 'client_id');
      let clientSecret = str(b, 'client_secret');
      if (basic) {
        if (clientId && clientId !== basic.id) throw new OAuthError('invalid_request', 'client_id does not match the Basic authorization');
        clientId = basic.id;
        clientSecret = basic.secret;
      }
      if (!clientId) throw new OAuthError('invalid_request', 'Missing client_id');
      const out = await o2.token(
        {
          grantType,
          clientId,
          clientSecret,
          code: str(b, 'code'),
          redirectUri: str(b, 'redirect_uri'),
          codeVerifier: str(b, 'code_verifier'),
          username: str(b, 'username'),
          password: str(b, 'password'),
          totp: str(b, 'totp'),
          scope: str(b, 'scope'),
          refreshToken: str(b, 'refresh_token'),
        },
        req.ip,
      );
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      return out;
    },
  );

  // An active answer is the same frozen object while core remembers it: serialised once.
  const introspectionBodies = new WeakMap<object, string>();
  const sendActive = (reply: FastifyReply, answer: object): FastifyReply => {
    let body = introspectionBodies.get(answer);
    if (body === undefined) introspectionBodies.set(answer, (body = JSON.stringify(answer)));
    return reply.type('application/json; charset=utf-8').send(body);
  };
  app.post(
    '/auth/oauth2/token_info',
    {
      config: { oauthErrors: true },
      schema: { tags, summary: 'Introspect a token of any type (active:false when unknown or expired)', body: TokenInfoBody, response: { 200: TokenInfoResponse, ...oauthErrors } },
    },
    (req, reply) => {
      const token = need(bind<Record<string, unknown>>(req), 'token');
      // A remembered answer goes out at once: no promise, which resource servers asking about
      // the same token again and again would otherwise pay on every call.
      const hit = o2.rememberedIntrospection(token);
      if (hit) return sendActive(reply, hit);
      return o2.introspect(token).then((answer) => (answer.active ? sendActive(reply, answer) : answer));
    },
  );

  const list = async (req: FastifyRequest, reply: FastifyReply) => {
    const who = callerOf(req);
    return { tokens: await o2.listTokens(who.user.id) };
  };
  const listSchema = (summary: string) => ({ tags, summary, response: { 200: TokenList, 401: S.ErrorBody, 403: Type.Union([S.ErrorBody, S.EchoBody]), 429: S.ErrorBody } });
  app.get('/auth/oauth2', { config: priv, schema: listSchema("The account's OAuth2 tokens for every client") }, list);
  app.get('/auth/oauth2/client', { config: priv, schema: listSchema("The account's OAuth2 tokens (the swagger's path)") }, list);

  app.delete(
    '/auth/oauth2/token',
    {
      config: priv,
      schema: {
        tags,
        summary: "Revoke one token (token=) or all of a client's tokens for the account",
        querystring: RevokeQuery,
        response: { 200: S.Success, 400: V1OrOAuth, 401: S.ErrorBody, 403: Type.Union([S.ErrorBody, S.EchoBody]), 429: S.ErrorBody },
      },
    },
    async (req, reply) => {
      const who = callerOf(req);
      const b = bind<Record<string, unknown>>(req);
      const clientId = b.client_id;
      const token = b.token;
      if (typeof clientId !== 'string' || !clientId) throw new OAuthError('invalid_request', 'Missing client_id');
      if (token !== undefined && typeof token !== 'string') throw new OAuthError('invalid_request', 'Invalid token');
      await o2.revoke(who.user.id, clientId, token || undefined);
      return { success: true };
    },
  );
}
