import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Core } from '../../core/index.js';
import type { Account } from '../../core/accounts/accounts.js';
import { CoreError } from '../../core/errors.js';
import { EchoError, simpleFail } from './errors.js';
import { bind, callerOf, optionalString, required, startWebSession } from './http.js';
import { beginAtProvider, fromFederation } from './oidc-routes.js';
import { resolveContinueUrl } from './root-routes.js';
import * as S from './schemas.js';

const tags = ['simple'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const ProviderParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const LinkBody = S.Fields({ continue: Type.String({ maxLength: 4096 }) });
const LinkResponse = Type.Object({ url: Type.String() });
const SubjectQuery = Type.Object({ subject: Type.Optional(Type.String({ maxLength: 512 })) });

/** simple-auth's credential requirements; a failure names the first rule broken. */
function requirementFailure(core: Core, username: string, password: string): string | undefined {
  const c = core.config;
  if (username.length < c.simpleUsernameMinLength) return 'username too short';
  if (username.length > c.simpleUsernameMaxLength) return 'username too long';
  if (!new RegExp(c.simpleUsernameRegex).test(username)) return 'invalid username characters';
  if (password.length < c.simplePasswordMinLength) return 'password too short';
  if (password.length > c.simplePasswordMaxLength) return 'password too long';
  return undefined;
}

export async function localView(core: Core, user: Account, src: string) {
  const local = await core.accounts.localView(user);
  if (!local) return undefined;
  return {
    username: local.username,
    twofactor: local.totp,
    twofactorallowed: core.config.simpleTwoFactorEnabled,
    requireOldPassword: src !== 'onetime' && src !== 'shared-secret',
  };
}

export function accountRoutes(app: FastifyInstance, core: Core) {
  app.post('/account', { config: { simpleAuth: 'public' }, schema: { tags, summary: 'Create an account (201)', querystring: S.CreateAccountQuery, body: S.CreateAccountBody, response: { 201: S.CreateAccountResponse, ...S.errors } } }, async (req, reply) => {
    if (!core.config.simpleCreateAccountEnabled) throw new EchoError(405, 'Method Not Allowed');
    // Every attempt counts, refused ones too: `account-email-exists` answers enumerate accounts.
    await core.registration.admit(req.ip);
    const b = bind<{ username: string; password: string; email: string; createSession: string }>(req);
    const username = required(b.username, 'createAccountRequest', 'Username');
    const password = required(b.password, 'createAccountRequest', 'Password');
    const email = required(b.email, 'createAccountRequest', 'Email').trim().toLowerCase();
    if (await core.accounts.byUsername(username)) simpleFail(409, 'username-unavailable', 'username-unavailable');
    if (!email) simpleFail(400, 'account-email-exists', 'invalid email');
    if (await core.accounts.byEmail(email)) simpleFail(400, 'account-email-exists', 'account-email-exists');
    // Checked before anything is written (the original committed a half-made account here).
    const broken = requirementFailure(core, username, password.trim());
    if (broken) simpleFail(400, 'credentials-failed-requirements', broken);
    const user = await core.accounts
      .create({ username: username.trim().toLowerCase(), name: username, email, password: password.trim(), ip: req.ip })
      .catch((e: unknown) => {
        if (e instanceof CoreError && e.code === 'taken') return e.detail.field === 'email' ? simpleFail(400, 'account-email-exists', 'account-email-exists') : simpleFail(409, 'username-unavailable', 'username-unavailable');
        throw e;
      });
    core.mail.sendLater({ to: email, subject: `New Account at ${core.config.simpleCompany}`, text: `Welcome to ${core.config.simpleCompany}.\n\nManage your account at ${core.config.simpleBaseUrl}\n` });
    if (core.config.simpleEmailValidationRequired) await core.stipulations.require(user);
    const out: { id: string; createdSession?: boolean; hasStipulations?: boolean } = { id: user.uuid };
    const held = await core.stipulations.pending(user.id);
    if (GO_TRUE.has(String(b.createSession ?? '')) && !held && !core.webSessions.problem) {
      await startWebSession(core, reply, user, 'login');
      out.createdSession = true;
    }
    if (held) out.hasStipulations = true;
    return reply.code(201).send(out);
  });

  app.post('/account/check', { config: { simpleAuth: 'public' }, schema: { tags, summary: 'Is a username taken?', body: S.CheckBody, response: { 200: S.CheckResponse, ...S.errors } } }, async (req) => {
    const username = required(bind<{ username: string }>(req).username, 'checkUsernameRequest', 'Username');
    return { username, exists: (await core.accounts.byUsername(username)) !== undefined };
  });

  app.get('/account', { config: { simpleAuth: 'private' }, schema: { tags, summary: 'The signed-in account', security: S.PRIVATE, response: { 200: S.AccountResponse, ...S.errors } } }, async (req) => {
    const { user, src } = callerOf(req);
    const local = await localView(core, user, src);
    const ids = await core.federation.identitiesOf(user.id);
    // Name and icon from the provider's configuration; a provider removed since is listed by its
    // id (the original dereferenced nil and answered 500).
    const providers = ids.length ? new Map((await core.federation.providers()).map((p) => [p.id, p])) : undefined;
    return {
      id: user.uuid,
      created: new Date(user.created_at).toISOString(),
      email: user.email ?? '',
      name: user.name ?? user.username,
      auth: {
        ...(local ? { local } : {}),
        ...(providers ? { oidc: ids.map((i) => ({ provider: i.provider, subject: i.subject, icon: providers.get(i.provider)?.icon ?? '', name: providers.get(i.provider)?.name ?? i.provider })) } : {}),
      },
    };
  });

  // Linking is ours (the original had it as a TODO): a POST with CSRF answers the provider's URL
  // for the page to go to, so no other site can start a link; the callback is /oidc/{id}/callback.
  app.post<{ Params: { id: string } }>(
    '/account/oidc/:id',
    { config: { simpleAuth: 'private' }, schema: { tags, summary: 'Link an external provider to the signed-in account: the URL to send the browser to', security: S.PRIVATE, params: ProviderParams, body: LinkBody, response: { 200: LinkResponse, ...S.errors } } },
    async (req, reply) => {
      const { user, src } = callerOf(req);
      // The state is bound to the browser by a cookie, which a SharedKey caller cannot hand on.
      if (src === 'shared-secret') simpleFail(400, 'bad-request', "linking a provider needs the browser's session cookie");
      const cont = resolveContinueUrl(core, optionalString(bind<{ continue: string }>(req).continue) ?? '');
      return { url: await beginAtProvider(core, req, reply, req.params.id, { continue: cont, link: user.uuid }) };
    },
  );

  app.delete<{ Params: { id: string }; Querystring: { subject?: string } }>(
    '/account/oidc/:id',
    { config: { simpleAuth: 'private' }, schema: { tags, summary: "Unlink an external provider (refused when it is a password-less account's only way in)", security: S.PRIVATE, params: ProviderParams, querystring: SubjectQuery, response: { 200: S.Success, ...S.errors } } },
    async (req) => {
      const { user } = callerOf(req);
      await core.federation.unlink(user.id, req.params.id, req.query.subject || undefined).catch((e: unknown) => {
        if (e instanceof CoreError && e.code === 'not_found') simpleFail(404, 'oidc-identity-not-found', 'no such linked provider');
        return fromFederation(e);
      });
      return { success: true };
    },
  );

  app.get<{ Querystring: { offset?: string; limit?: string } }>(
    '/account/audit',
    { config: { simpleAuth: 'private' }, schema: { tags, summary: 'Audit trail of the account, newest first', security: S.PRIVATE, querystring: S.AuditQuery, response: { 200: S.AuditResponse, ...S.errors } } },
    async (req) => {
      const { user } = callerOf(req);
      const limit = Math.min(Number.parseInt(req.query.limit ?? '', 10) || 10, 100);
      const offset = Math.max(Number.parseInt(req.query.offset ?? '', 10) || 0, 0);
      const rows = await core.audit.forUser(user.id, Math.max(limit, 1), offset);
      return { records: rows.map((r) => ({ ts: new Date(r.created_at).toISOString(), module: r.module, level: r.level, message: r.message })) };
    },
  );

  app.post('/stipulation', { config: { simpleAuth: 'public' }, schema: { tags, summary: 'Satisfy an email-verification hold', body: S.StipulationBody, response: { 200: S.Success, ...S.errors } } }, async (req) => {
    const b = bind<{ token: string; account: string }>(req);
    const token = required(b.token, 'stipulationRequest', 'Token');
    const account = required(b.account, 'stipulationRequest', 'Account');
    if (!UUID.test(account)) simpleFail(400, 'bad-request', "Key: 'stipulationRequest.Account' Error:Field validation for 'Account' failed on the 'uuid' tag");
    const user = await core.accounts.byUuid(account);
    if (!user) return simpleFail(401, 'no-code', 'no stipulation satisfied');
    await core.stipulations.satisfy(user, token, req.ip).catch(() => simpleFail(401, 'no-code', 'no stipulation satisfied'));
    return { success: true };
  });
}
