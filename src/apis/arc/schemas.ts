import { Type, type Static } from '@sinclair/typebox';

const strict = { additionalProperties: false } as const;
const S = () => Type.String();

export const LoginRequest = Type.Object({ client_id: S(), client_secret: S(), username: S(), password: S() }, { ...strict, $id: 'ArcLoginRequest' });
export type LoginRequest = Static<typeof LoginRequest>;
export const AuthTokenRequest = Type.Object({ code: S(), clientId: S() }, strict);
export const RefreshRequest = Type.Object({ refreshToken: S() }, strict);
export const RefreshPartial = Type.Object({ refreshToken: Type.Optional(S()) }, strict);
export const ChangePasswordRequest = Type.Object(
  { refreshToken: Type.Optional(S()), username: Type.Optional(S()), password: Type.Optional(S()), oldPassword: Type.Optional(S()) },
  strict,
);
export const ForgetPasswordRequest = Type.Object({ username: S(), client_id: S(), client_secret: S() }, strict);
export const ResetPasswordRequest = Type.Object({ token: S(), password: S(), client_id: S(), client_secret: S() }, strict);
export const SignupTokenRequest = Type.Object({ email: S(), data: Type.Optional(Type.Unknown()) }, strict);
export const SignupUserRequest = Type.Object({ email: S(), password: S() }, { additionalProperties: true });
export const OtpBody = Type.Object({ otp: S(), username: S() }, strict);
export const ClientAuthForm = Type.Object({ client_id: S(), client_secret: S() });
export const TokenQuery = Type.Object({ token: S() });

export const TokenResponse = Type.Object({ accessToken: S(), refreshToken: S(), expires: Type.Number(), pubnubToken: Type.Optional(S()) });
export const CodeResponse = Type.Object({ code: S() });
export const SuccessResponse = Type.Object({ success: Type.Boolean(), key: Type.Optional(S()) });

// Lifetimes are stored in 32-bit integer columns: PostgreSQL refuses 1.5 or 99999999999 with a
// server error (so did the original), so the body schema refuses them first (422).
const lifetime = () => Type.Integer({ minimum: -(2 ** 31), maximum: 2 ** 31 - 1 });
const clientFields = {
  clientId: S(),
  clientSecret: S(),
  secret: S(),
  redirectUrl: Type.Optional(S()),
  accessTokenExpiration: lifetime(),
  refreshTokenExpiration: lifetime(),
  authCodeExpiration: lifetime(),
};
const audit = {
  deleted: Type.Optional(Type.Boolean()),
  deletedOn: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
  deletedBy: Type.Optional(Type.Union([S(), Type.Null()])),
  createdOn: Type.Optional(Type.String({ format: 'date-time' })),
  modifiedOn: Type.Optional(Type.String({ format: 'date-time' })),
};
/** POST body: every required field, no id (LoopBack's AuthClientExcluding_id_). */
export const AuthClientNew = Type.Object({ ...audit, ...clientFields }, strict);
export const AuthClientPartial = Type.Partial(Type.Object({ ...audit, id: Type.Number(), ...clientFields }), strict);
export const AuthClientFull = Type.Object({ ...audit, id: Type.Optional(Type.Number()), ...clientFields }, strict);
export const AuthClient = Type.Object({
  ...audit,
  id: Type.Number(),
  ...clientFields,
  accessTokenExpiration: Type.Number(),
  refreshTokenExpiration: Type.Number(),
  authCodeExpiration: Type.Number(),
});
/** Checked and converted by `integerIdParam` (params.ts) before validation. */
export const IdParam = Type.Object({ id: Type.Integer({ format: 'int32' }) });
export const CountResponse = Type.Object({ count: Type.Number() });
export const FilterQuery = Type.Object({ filter: Type.Optional(Type.Unknown()) }, { additionalProperties: true });
export const WhereQuery = Type.Object({ where: Type.Optional(Type.Unknown()) }, { additionalProperties: true });

export const ErrorBody = Type.Object({
  error: Type.Object({
    statusCode: Type.Number(),
    name: Type.Optional(S()),
    message: Type.Union([S(), Type.Object({ message: S() })]),
    code: Type.Optional(S()),
    details: Type.Optional(Type.Array(Type.Unknown())),
  }),
});
/** A loose object: ARC answers some operations with claims or entities that vary by user. */
export const AnyObject = Type.Object({}, { additionalProperties: true });

/** OpenAPI marker for operations that take a bearer token. */
export const BEARER = [{ HTTPBearer: [] as string[] }];
