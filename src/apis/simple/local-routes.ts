import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/index.js';
import { CoreError } from '../../core/errors.js';
import { simpleFail } from './errors.js';
import { bind, callerOf, required, startWebSession } from './http.js';
import { localView } from './account-routes.js';
import * as S from './schemas.js';

const tags = ['simple'];
const security = S.PRIVATE;

/** Core's TOTP failures as this endpoint answers them (activation answers a wrong code with 403). */
const totpFail = (wrongCode: number) => (e: unknown): never => {
  if (e instanceof CoreError && e.code === 'totp_failed') simpleFail(wrongCode, 'totp-failed', 'totp-failed');
  if (e instanceof CoreError && e.code === 'totp_disabled') simpleFail(401, 'no-code', 'totp disabled');
  throw e;
};

export function localRoutes(app: FastifyInstance, core: Core) {
  const caller = async (req: Parameters<typeof callerOf>[0]) => {
    const who = callerOf(req);
    const local = await localView(core, who.user, who.src);
    if (!local) return simpleFail(404, 'local-login-not-found', 'local-login-not-found');
    return { ...who, local };
  };
  const priv = { simpleAuth: 'private' as const };
  const tfa = { simpleAuth: 'private' as const, simpleWhen: ['simpleTwoFactorEnabled' as const] };

  app.get('/local', { config: priv, schema: { tags, summary: 'Local (username/password) login settings', security, response: { 200: S.LocalAuth, ...S.errors } } }, async (req) => (await caller(req)).local);

  app.post('/local/password', { config: priv, schema: { tags, summary: 'Change the password (old one unless the session came from a one-time link or SharedKey); ends every other session', security, body: S.PasswordBody, response: { 200: S.Success, ...S.errors } } }, async (req, reply) => {
    const { user, local, src, cookie } = await caller(req);
    const b = bind<{ oldpassword: string; newpassword: string }>(req);
    const next = required(b.newpassword, 'changePasswordRequest', 'NewPassword');
    const old = local.requireOldPassword ? (typeof b.oldpassword === 'string' ? b.oldpassword : '') : undefined;
    await core.accounts.setPassword(user, next, { oldPassword: old, allowSame: true, via: 'simple', ip: req.ip }).catch((e: unknown) => {
      if (e instanceof CoreError && e.code === 'password_incorrect') simpleFail(401, 'invalid-credentials', 'invalid-credentials');
      throw e;
    });
    // The change ended every session, this one too; the original kept this one, so it goes on
    // with a new cookie (the same source).
    if (cookie && src !== 'shared-secret') {
      // The row after the change: its cut-off is the one this new session starts after.
      const changed = await core.accounts.byId(user.id);
      if (changed) await startWebSession(core, reply, changed, src);
    }
    return { success: true };
  });

  app.get('/local/2fa', { config: tfa, schema: { tags, summary: 'A new TOTP secret (nothing is stored yet)', security, response: { 200: S.SecretResponse, ...S.errors } } }, async (req) => {
    await caller(req);
    return { secret: core.secondFactor.newSecret() };
  });

  app.get<{ Querystring: { secret?: string } }>(
    '/local/2fa/qrcode',
    { config: tfa, schema: { tags, summary: 'The otpauth URL of a secret as a 256×256 PNG QR code', security, querystring: S.SecretQuery, produces: ['image/png'], response: { 200: { type: 'string', format: 'binary' }, ...S.errors } } },
    async (req, reply) => {
        const { user } = await caller(req);
      if (!req.query.secret) return simpleFail(400, 'bad-request', 'missing secret');
      const png = await core.secondFactor.qrPng(user, req.query.secret);
      return reply.type('image/png').send(png);
    },
  );

  app.post('/local/2fa', { config: tfa, schema: { tags, summary: 'Activate TOTP with a secret and a current code', security, body: S.TotpBody, response: { 200: S.Success, ...S.errors } } }, async (req) => {
    const { user } = await caller(req);
    const b = bind<{ secret: string; code: string }>(req);
    const secret = required(b.secret, 'activateTOTPRequest', 'Secret');
    const code = required(b.code, 'activateTOTPRequest', 'Code');
    await core.secondFactor.enrol(user, secret, code, req.ip).catch(totpFail(403));
    return { success: true };
  });

  app.delete<{ Querystring: { code?: string } }>('/local/2fa', { config: tfa, schema: { tags, summary: 'Deactivate TOTP with a current code', security, querystring: S.CodeQuery, response: { 200: S.Success, ...S.errors } } }, async (req) => {
    const { user } = await caller(req);
    const code = required(bind<{ code: string }>(req).code, 'deactivateTOTPRequest', 'Code');
    await core.secondFactor.remove(user, code, req.ip).catch(totpFail(401));
    return { success: true };
  });
}
