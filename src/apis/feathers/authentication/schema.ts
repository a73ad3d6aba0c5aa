import { Type } from '@sinclair/typebox';

/** POST /authentication (spec): local by email, username or phone, or jwt; `totp` when the account has one. */
export const AuthenticationCreate = Type.Object(
  {
    strategy: Type.Optional(Type.Union([Type.Literal('local'), Type.Literal('jwt')])),
    email: Type.Optional(Type.String({ maxLength: 256 })),
    username: Type.Optional(Type.String({ maxLength: 256 })),
    phone: Type.Optional(Type.String({ maxLength: 32 })),
    password: Type.Optional(Type.String({ maxLength: 1024 })),
    accessToken: Type.Optional(Type.String({ maxLength: 8192 })),
    totp: Type.Optional(Type.String({ maxLength: 16 })),
  },
  { additionalProperties: false },
);

/** POST /auth/refresh, as the original's public client sends it. */
export const RefreshBody = Type.Object(
  {
    strategy: Type.Optional(Type.Literal('jwt')),
    accessToken: Type.Optional(Type.String({ maxLength: 8192 })),
    refreshToken: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);
