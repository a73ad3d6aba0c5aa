import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Address } from '../../../core/accounts/address-codes.js';
import { EMAIL } from '../../../core/accounts/accounts.js';
import { trustDevice } from '../../shared/device.js';
import type { FeathersContext } from '../context.js';
import { callParams } from '../rest.js';
import { startSession } from '../authentication/issue.js';
import { CodeRouteError, codeRoutesErrorHandler } from './errors.js';
import * as S from './schemas.js';

/** The original served these either at the Feathers paths or under `/auth` (reference 1.3): both answer. */
const PREFIXES = ['', '/auth'];
const tags = ['feathers'];
const PHONE = /^\+?[1-9]\d{1,14}$/;

/** `{email}` or `{phone}` of a validated body. */
const addressOf = (b: { email?: string; phone?: string }): Address => (b.email !== undefined ? { channel: 'email', value: b.email } : { channel: 'phone', value: b.phone ?? '' });

/** The path of `/verify/:id`: an email address or a phone number. */
function verifiedAddress(id: string): Address {
  if (EMAIL.test(id)) return { channel: 'email', value: id };
  if (PHONE.test(id)) return { channel: 'phone', value: id };
  throw new CodeRouteError(400, 'id must be an email address or a phone number in international form');
}

/**
 * One-time sign-in codes, address verification and password recovery (the spec's six custom
 * operations): `POST /otp` `{email}|{phone}` → 201 `{}`; `PATCH|POST /otp/:otp` `{email}|{phone}`
 * → 200 and the authentication result; `POST /verify` → 201 `{}`; `PATCH|POST /verify/:id`
 * `{token}` → 200 `{}`; `POST /recover` `{email}` → 201 `{}`; `PATCH|POST /recover/:email`
 * `{token, password}` → 200 `{}`. Each also under `/auth`. The sends answer the same whether or not
 * the account exists. Errors are `{"error": message}`, so the group has its own error handler.
 */
export function codeRoutes(http: FastifyInstance, ctx: FeathersContext): void {
  const core = ctx.core;
  const config = core.config;
  void http.register(async (scope) => {
    scope.setErrorHandler(codeRoutesErrorHandler);
    const both = (path: string, opts: { schema: FastifySchema; config?: { codeBodyRule: string } }, handler: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>) => {
      for (const method of ['PATCH', 'POST'] as const) scope.route({ method, url: path, ...opts, handler });
    };
    for (const p of PREFIXES) {
      scope.post(
        `${p}/otp`,
        { config: { codeBodyRule: S.ADDRESS_RULE }, schema: { tags, summary: 'Feathers: send a one-time sign-in code by mail or SMS (same answer whether or not the account exists)', body: S.AddressBody, response: { 201: S.Empty, ...S.ERRORS } } },
        async (req, reply) => {
          const body = req.body as Static<typeof S.AddressBody>;
          await core.otpLogin.request(addressOf(body), { ip: req.ip, ttlSec: config.feathersOtpSeconds });
          return reply.code(201).send({});
        },
      );
      both(
        `${p}/otp/:otp`,
        { config: { codeBodyRule: S.EXCHANGE_RULE }, schema: { tags, summary: 'Feathers: exchange a one-time code for an authentication result (200)', params: S.OtpParam, body: S.ExchangeBody, response: S.ERRORS } },
        async (req, reply) => {
          const body = req.body as Static<typeof S.ExchangeBody>;
          const params = callParams(ctx, req, true);
          const user = await core.otpLogin.exchange(addressOf(body), (req.params as Static<typeof S.OtpParam>).otp, { ip: params.ip, device: params.device, totp: body.totp });
          const result = await startSession(ctx, user, 'otp', params);
          if (params.device) trustDevice(core, reply, params.device);
          return reply.code(200).send(result);
        },
      );
      scope.post(
        `${p}/verify`,
        { config: { codeBodyRule: S.ADDRESS_RULE }, schema: { tags, summary: 'Feathers: send a verification code to an email address or phone (same answer whether or not the account exists)', body: S.AddressBody, response: { 201: S.Empty, ...S.ERRORS } } },
        async (req, reply) => {
          await core.verification.request(addressOf(req.body as Static<typeof S.AddressBody>), { ip: req.ip, ttlSec: config.feathersVerifySeconds });
          return reply.code(201).send({});
        },
      );
      both(
        `${p}/verify/:id`,
        { schema: { tags, summary: 'Feathers: verify an email address or phone (the path, URL-encoded) with its code', params: S.VerifyParam, body: S.VerifyBody, response: { 200: S.Empty, ...S.ERRORS } } },
        async (req, reply) => {
          const at = verifiedAddress((req.params as Static<typeof S.VerifyParam>).id);
          const params = callParams(ctx, req, true);
          await core.verification.confirm(at, (req.body as Static<typeof S.VerifyBody>).token, { ip: params.ip, device: params.device });
          return reply.code(200).send({});
        },
      );
      scope.post(
        `${p}/recover`,
        { schema: { tags, summary: 'Feathers: mail a password recovery code (same answer whether or not the account exists)', body: S.RecoverRequestBody, response: { 201: S.Empty, ...S.ERRORS } } },
        async (req, reply) => {
          await core.recoveryCodes.request((req.body as Static<typeof S.RecoverRequestBody>).email, { ip: req.ip, ttlSec: config.feathersRecoverSeconds });
          return reply.code(201).send({});
        },
      );
      both(
        `${p}/recover/:email`,
        { schema: { tags, summary: 'Feathers: set a new password with a recovery code; every session of the account ends', params: S.RecoverParam, body: S.RecoverBody, response: { 200: S.Empty, ...S.ERRORS } } },
        async (req, reply) => {
          const body = req.body as Static<typeof S.RecoverBody>;
          const params = callParams(ctx, req, true);
          await core.recoveryCodes.finish((req.params as Static<typeof S.RecoverParam>).email, body.token, body.password, { ip: params.ip, device: params.device, via: 'feathers' });
          return reply.code(200).send({});
        },
      );
    }
  });
}
