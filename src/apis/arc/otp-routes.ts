import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Core } from '../../core/index.js';
import { PERMISSIONS } from '../../core/rbac/permissions.js';
import { requirePermission } from './session.js';
import * as S from './schemas.js';

const Id = Type.Object({ id: Type.String() });
const errs = { 401: S.ErrorBody, 403: S.ErrorBody };

/** Decision 3: the OTP cache is an admin API (bearer with ManageOtp); the original left it open. */
export function otpRoutes(app: FastifyInstance, core: Core) {
  app.post<{ Body: Static<typeof S.OtpBody> }>(
    '/otp-caches',
    { schema: { security: S.BEARER, tags: ['arc'], summary: 'Set the OTP of a username (valid as its password for a while)', body: S.OtpBody, response: { 204: { type: 'null' }, ...errs, 422: S.ErrorBody } } },
    async (req, reply) => {
      requirePermission(core, req, PERMISSIONS.manageOtp);
      await core.codes.otp.set(req.body.username, req.body.otp, core.config.otpTtlSeconds);
      return reply.code(204).send();
    },
  );
  app.get<{ Params: Static<typeof Id> }>(
    '/otp-caches/:id',
    { schema: { security: S.BEARER, tags: ['arc'], summary: 'Read the OTP of a username', params: Id, response: { 200: Type.Union([S.OtpBody, Type.Null()]), ...errs } } },
    async (req, reply) => {
      requirePermission(core, req, PERMISSIONS.manageOtp);
      const otp = await core.codes.otp.get(req.params.id);
      return reply.type('application/json').send(otp === undefined ? 'null' : JSON.stringify({ otp, username: req.params.id }));
    },
  );
  app.delete<{ Params: Static<typeof Id> }>(
    '/otp-caches/:id',
    { schema: { security: S.BEARER, tags: ['arc'], summary: 'Remove the OTP of a username', params: Id, response: { 204: { type: 'null' }, ...errs } } },
    async (req, reply) => {
      requirePermission(core, req, PERMISSIONS.manageOtp);
      await core.codes.otp.remove(req.params.id);
      return reply.code(204).send();
    },
  );
}
