import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Core } from '../../core/index.js';
import { PERMISSIONS } from '../../core/rbac/permissions.js';
import { JwtError, type Claims } from '../../core/tokens/jwt.js';
import { arcUser } from './claims.js';
import { arcFail, fromCore } from './errors.js';
import { bearerToken, optionalPermission } from './session.js';
import * as S from './schemas.js';

const SIGNUP_TYP = 'signup+jwt';

export function signupRoutes(app: FastifyInstance, core: Core) {
  /** The sign-up code is the bearer token of verify-token and create-user. */
  async function signupBearer(req: FastifyRequest): Promise<{ token: string; claims: Claims }> {
    const token = bearerToken(req);
    if (!token) return arcFail(401, 'Bearer realm="Users"');
    let claims: Claims;
    try {
      claims = core.jwt.verify(token, { typ: [SIGNUP_TYP] }).payload;
    } catch (e) {
      if (e instanceof JwtError) return arcFail(401, 'TokenExpired', { nested: true });
      throw e;
    }
    const row = await core.codes.peek(token, ['signup']);
    if (!row) return arcFail(401, 'TokenExpired', { nested: true });
    if (row.consumed_at !== null) arcFail(401, 'TokenRevoked', { nested: true });
    return { token, claims };
  }

  app.post<{ Body: Static<typeof S.SignupTokenRequest> }>(
    '/auth/sign-up/create-token',
    {
      schema: {
        tags: ['arc'],
        summary: 'Start a sign-up: the link is mailed (a caller with CreateSignupToken gets the code)',
        body: S.SignupTokenRequest,
        response: { 200: S.AnyObject, 204: { type: 'null' }, 401: S.ErrorBody, 403: S.ErrorBody, 422: S.ErrorBody, 429: S.ErrorBody },
      },
    },
    async (req, reply) => {
      // Every caller, trusted or not: a backend that signs up many people from one address raises REGISTER_MAX_PER_IP.
      await core.registration.admit(req.ip);
      const trusted = optionalPermission(core, req, PERMISSIONS.createSignupToken);
      const email = req.body.email;
      const ttl = core.config.requestSignupLinkExpiry;
      const issue = async () => {
        const iat = Math.floor(Date.now() / 1000);
        const code = core.jwt.sign({ email, iat, exp: iat + ttl, sub: email }, SIGNUP_TYP);
        await core.codes.issue({ purpose: 'signup', secret: code, ttlSec: ttl, subject: email.toLowerCase() });
        return code;
      };
      if (trusted) return { code: await issue(), expiry: ttl, email };
      // Decision 2: anonymous callers never see the code; it goes to the address it is for. The
      // mail is capped per recipient and per client address, and the code is made off the request
      // path, so a capped request answers the same, as fast.
      await core.mailQuota.send('signup', email, req.ip, async () => {
        if (!/^[^\s@]+@[^\s@]+$/.test(email)) return undefined;
        const code = await issue();
        return {
          to: email,
          subject: 'Finish signing up',
          text: `To create your account, open:\n${core.config.signupUrl.replace('{token}', encodeURIComponent(code))}\n\nThe link works once and expires in ${Math.round(ttl / 60)} minutes.\n`,
        };
      });
      return reply.code(204).send();
    },
  );

  app.get(
    '/auth/sign-up/verify-token',
    { schema: { security: S.BEARER, tags: ['arc'], summary: 'Check a sign-up code (sent as the bearer token)', response: { 200: S.AnyObject, 401: S.ErrorBody } } },
    async (req) => (await signupBearer(req)).claims,
  );

  app.post<{ Body: Static<typeof S.SignupUserRequest> }>(
    '/auth/sign-up/create-user',
    { schema: { security: S.BEARER, tags: ['arc'], summary: 'Create the account of a sign-up code (sent as the bearer token)', body: S.SignupUserRequest, response: { 200: S.AnyObject, 401: S.ErrorBody, 403: S.ErrorBody, 409: S.ErrorBody, 422: S.ErrorBody } } },
    async (req) => {
      const { token, claims } = await signupBearer(req);
      const body = req.body as Record<string, unknown>;
      // The code proves the address; it cannot create an account for another one.
      if (String(claims.email).toLowerCase() !== String(body.email).toLowerCase()) return arcFail(403, 'NotAllowedAccess');
      const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : undefined);
      // Create first, so that a refused account (taken, invalid) leaves the code usable.
      const user = await core.accounts
        .create({
          username: str('username') ?? String(body.email),
          email: String(body.email),
          password: String(body.password),
          firstName: str('firstName') ?? null,
          lastName: str('lastName') ?? null,
          middleName: str('middleName') ?? null,
          phone: str('phone') ?? null,
          ip: req.ip,
        })
        .catch((e: unknown) => fromCore(e, {}));
      const consumed = await core.codes.consume(token, ['signup']).then(() => true, () => false);
      if (!consumed) {
        // Another request used the code meanwhile: the account it made stands, this one goes.
        await core.accounts.remove(user);
        return arcFail(401, 'TokenRevoked', { nested: true });
      }
      const profile = await core.accounts.profile(user.id);
      return { email: user.email, user: arcUser(user, profile?.clientIds ?? [], profile?.access.groupUuid ?? null) };
    },
  );
}
