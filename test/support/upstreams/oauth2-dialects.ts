import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './http.js';

/**
 * What differs between GitHub's, Facebook's and Instagram's OAuth2: paths, the token answer and
 * its errors, the profile API. Shapes follow the providers' documentation: GitHub's "Authorizing
 * OAuth apps" and its troubleshooting page (token errors come with HTTP 200), Facebook Login's
 * "Manually build a login flow" and Graph API errors, Instagram's `/oauth/authorize`,
 * `/oauth/access_token` (`{access_token, user_id}`, the id a JSON number too large for a double)
 * and graph.instagram.com `/me`.
 */

export type OAuth2Kind = 'github' | 'facebook' | 'instagram';

export interface OAuth2User {
  id: string;
  login?: string;
  name?: string;
  email?: string;
  emailVerified?: boolean;
}

/** Why a token request is refused. */
export type Refusal = 'client' | 'redirect_uri' | 'code' | 'pkce' | 'grant_type';

export interface Grant { user: OAuth2User; scope: string[] }

export interface Dialect {
  paths: { authorize: string; token: string; profile: string; emails?: string };
  tokenMethods: string[];
  /** The real provider appends this fragment to the redirect back. */
  fragment: string;
  /** Instagram refuses an authorization request without response_type=code and a scope. */
  strictAuthorize: boolean;
  /** Instagram wants grant_type and redirect_uri at the token endpoint, Facebook redirect_uri. */
  tokenRequires: ('grant_type' | 'redirect_uri')[];
  accessToken(): string;
  tokenOk(req: IncomingMessage, res: ServerResponse, accessToken: string, grant: Grant): void;
  tokenRefused(req: IncomingMessage, res: ServerResponse, why: Refusal): void;
  /** Answers a profile API call for `path` made with a valid token. */
  api(path: string, url: URL, grant: Grant, res: ServerResponse): void;
  badToken(res: ServerResponse): void;
}

const random = (n: number) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[b % 62]).join('');
/** The fields asked for with `?fields=`, among those the API has. */
const fields = (url: URL, fallback: string) => (url.searchParams.get('fields') ?? fallback).split(',').map((f) => f.trim());
const pick = (all: Record<string, unknown>, wanted: string[]) =>
  Object.fromEntries(Object.entries(all).filter(([k, v]) => wanted.includes(k) && v !== undefined));
const graphError = (res: ServerResponse, status: number, message: string, code: number) =>
  sendJson(res, status, { error: { message, type: 'OAuthException', code, fbtrace_id: random(11) } });

const GITHUB_ERRORS: Record<Refusal, [string, string]> = {
  client: ['incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.'],
  redirect_uri: ['redirect_uri_mismatch', 'The redirect_uri MUST match the registered callback URL for this application.'],
  code: ['bad_verification_code', 'The code passed is incorrect or expired.'],
  pkce: ['bad_verification_code', 'The code passed is incorrect or expired.'],
  grant_type: ['unsupported_grant_type', 'The grant type is not supported.'],
};

/** GitHub answers JSON only when asked to, form-encoded otherwise, errors included (with status 200). */
function githubAnswer(req: IncomingMessage, res: ServerResponse, body: Record<string, string>): void {
  if ((req.headers.accept ?? '').includes('application/json')) return sendJson(res, 200, body);
  const text = new URLSearchParams(body).toString();
  res.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const github: Dialect = {
  paths: { authorize: '/login/oauth/authorize', token: '/login/oauth/access_token', profile: '/user', emails: '/user/emails' },
  tokenMethods: ['POST'],
  fragment: '',
  strictAuthorize: false,
  tokenRequires: [],
  accessToken: () => `gho_${random(36)}`,
  tokenOk: (req, res, accessToken, grant) => githubAnswer(req, res, { access_token: accessToken, token_type: 'bearer', scope: grant.scope.join(',') }),
  tokenRefused: (req, res, why) => {
    const [error, description] = GITHUB_ERRORS[why];
    githubAnswer(req, res, { error, error_description: description, error_uri: 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors' });
  },
  api(path, _url, { user, scope }, res) {
    const id = /^\d+$/.test(user.id) ? Number(user.id) : user.id;
    const login = user.login ?? `user${user.id}`;
    if (path === '/user') {
      return sendJson(res, 200, { login, id, node_id: `U_${random(12)}`, avatar_url: `https://avatars.example/u/${user.id}`, type: 'User', name: user.name ?? null, email: user.email ?? null });
    }
    if (!scope.includes('user:email') && !scope.includes('user')) {
      return sendJson(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/users/emails' });
    }
    // The noreply address comes first and is verified: only `primary` says which one is the user's.
    const emails: unknown[] = [{ email: `${user.id}+${login}@users.noreply.github.com`, primary: false, verified: true, visibility: null }];
    if (user.email) emails.push({ email: user.email, primary: true, verified: user.emailVerified ?? false, visibility: 'private' });
    sendJson(res, 200, emails);
  },
  badToken: (res) => sendJson(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' }),
};

const facebook: Dialect = {
  paths: { authorize: '/dialog/oauth', token: '/oauth/access_token', profile: '/me' },
  tokenMethods: ['GET', 'POST'],
  fragment: '#_=_',
  strictAuthorize: false,
  tokenRequires: ['redirect_uri'],
  accessToken: () => `EAA${random(60)}`,
  tokenOk: (_req, res, accessToken) => sendJson(res, 200, { access_token: accessToken, token_type: 'bearer', expires_in: 5183944 }),
  tokenRefused: (_req, res, why) =>
    why === 'client'
      ? graphError(res, 400, 'Error validating client secret.', 1)
      : why === 'redirect_uri'
        ? graphError(res, 400, 'Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request', 100)
        : graphError(res, 400, 'Invalid verification code format.', 100),
  api(_path, url, { user, scope }, res) {
    const [first, ...rest] = (user.name ?? '').split(' ');
    const all = { id: user.id, name: user.name, first_name: first || undefined, last_name: rest.join(' ') || undefined, email: scope.includes('email') ? user.email : undefined };
    sendJson(res, 200, pick(all, fields(url, 'id,name')));
  },
  badToken: (res) => graphError(res, 400, 'Invalid OAuth access token - Cannot parse access token', 190),
};

const instagram: Dialect = {
  paths: { authorize: '/oauth/authorize', token: '/oauth/access_token', profile: '/me' },
  tokenMethods: ['POST'],
  fragment: '#_',
  strictAuthorize: true,
  tokenRequires: ['grant_type', 'redirect_uri'],
  accessToken: () => `IGQV${random(80)}`,
  tokenOk: (_req, res, accessToken, { user }) => {
    // Written by hand: a numeric user_id goes out as a JSON number, as Instagram sends it.
    const userId = /^\d+$/.test(user.id) ? user.id : JSON.stringify(user.id);
    const text = `{"access_token":${JSON.stringify(accessToken)},"user_id":${userId}}`;
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  },
  tokenRefused: (_req, res, why) =>
    sendJson(res, 400, {
      error_type: 'OAuthException',
      code: 400,
      error_message: { client: 'Invalid client secret', redirect_uri: 'Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request', code: 'Matching code was not found or was already used', pkce: 'Invalid code_verifier', grant_type: 'Invalid grant_type' }[why],
    }),
  api(_path, url, { user }, res) {
    const all = { id: user.id, username: user.login ?? `user${user.id}`, account_type: 'PERSONAL', media_count: 0 };
    sendJson(res, 200, pick(all, fields(url, 'id,username')));
  },
  badToken: (res) => graphError(res, 400, 'Invalid OAuth access token - Cannot parse access token', 190),
};

export const DIALECTS: Record<OAuth2Kind, Dialect> = { github, facebook, instagram };
