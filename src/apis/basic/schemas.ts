import { Type, type Static } from '@sinclair/typebox';

const S = () => Type.String();
/** The original's zod rule: one lower-case letter, one upper-case, one digit, one other character. */
export const STRONG_PASSWORD = '^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d)(?=.*[^A-Za-z0-9]).{8,128}$';

export const RegisterBody = Type.Object({
  name: Type.String({ minLength: 5, maxLength: 20 }),
  bio: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
  email: Type.String({ format: 'email', maxLength: 254 }),
  password: Type.String({ pattern: STRONG_PASSWORD }),
  confirm: S(),
});
export type RegisterBody = Static<typeof RegisterBody>;
export const LoginBody = Type.Object({ email: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 1024 }) }, { $id: 'BasicLoginRequest' });
export type LoginBody = Static<typeof LoginBody>;
export const RefreshBody = Type.Object({ refreshToken: Type.String({ minLength: 1 }) });
export const ForgotBody = Type.Object({ email: Type.String({ minLength: 1, maxLength: 254 }) });
export const ResetBody = Type.Object({ password: Type.String({ pattern: STRONG_PASSWORD }) });
export const ResetQuery = Type.Object({ token: Type.String({ minLength: 1 }) });

const Token = Type.Object({ token: S(), expires: Type.String({ format: 'date-time' }) });
export const Tokens = Type.Object({ access: Token, refresh: Token });
export const User = Type.Object({ id: S(), name: S(), bio: Type.Union([S(), Type.Null()]), email: Type.Union([S(), Type.Null()]) });
export const AuthResponse = Type.Object({ user: User, tokens: Tokens });
export const WelcomeResponse = Type.Object({ message: S(), user: User });
export const ErrorBody = Type.Object({ error: Type.Union([S(), Type.Object({}, { additionalProperties: true })]), status: Type.Optional(Type.Number()) });
