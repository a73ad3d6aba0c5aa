import { Type } from '@sinclair/typebox';

/** `admin_users` create: a new account, its roles (default: user) and the ARC clients it may use. */
export const AdminUserCreate = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 256 }),
    email: Type.Optional(Type.Union([Type.String({ format: 'email', maxLength: 256 }), Type.Null()])),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    roles: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 50 })),
    clientIds: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 50 })),
  },
  { additionalProperties: false },
);

/** `admin_users` patch: any of profile basics, disabled, roles (replaces them), a new password. */
export const AdminUserPatch = Type.Object(
  {
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    email: Type.Optional(Type.Union([Type.String({ format: 'email', maxLength: 256 }), Type.Null()])),
    phone: Type.Optional(Type.Union([Type.String({ maxLength: 32 }), Type.Null()])),
    disabled: Type.Optional(Type.Boolean()),
    roles: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 50 })),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  },
  { additionalProperties: false },
);

/** The custom methods' body: the account's id (and the ARC client's for allowClient and disallowClient). */
export const AdminUserAction = Type.Object({ id: Type.Integer({ minimum: 1 }), clientId: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false });

/** `admin_arc_clients` create; the secrets are generated when not given, and shown once. */
export const ArcClientCreate = Type.Object(
  {
    clientId: Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9._~-]+$' }),
    clientSecret: Type.Optional(Type.String({ minLength: 16, maxLength: 512 })),
    redirectUrl: Type.Optional(Type.Union([Type.String({ maxLength: 2048 }), Type.Null()])),
    accessTokenExpiration: Type.Optional(Type.Integer({ minimum: 1, maximum: 31_536_000 })),
    refreshTokenExpiration: Type.Optional(Type.Integer({ minimum: 1, maximum: 315_360_000 })),
    authCodeExpiration: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
  },
  { additionalProperties: false },
);

/** `admin_arc_clients` patch; `rotateSecret: true` makes a new client secret (shown once). */
export const ArcClientPatch = Type.Object(
  {
    clientId: Type.Optional(ArcClientCreate.properties.clientId),
    redirectUrl: Type.Optional(ArcClientCreate.properties.redirectUrl),
    accessTokenExpiration: Type.Optional(ArcClientCreate.properties.accessTokenExpiration),
    refreshTokenExpiration: Type.Optional(ArcClientCreate.properties.refreshTokenExpiration),
    authCodeExpiration: Type.Optional(ArcClientCreate.properties.authCodeExpiration),
    rotateSecret: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** `admin_oauth2_clients` create (simple-auth's OAuth2 clients); the secret is generated and shown once. */
export const OAuth2ClientCreate = Type.Object(
  {
    clientId: Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9._~-]+$' }),
    name: Type.String({ minLength: 1, maxLength: 256 }),
    author: Type.Optional(Type.String({ maxLength: 256 })),
    authorUrl: Type.Optional(Type.String({ maxLength: 2048 })),
    redirectUris: Type.Array(Type.String({ minLength: 1, maxLength: 2048 }), { minItems: 1, maxItems: 20 }),
    scopes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 50 })),
    publicClient: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** `admin_oauth2_clients` patch: what create takes but the client id; `rotateSecret: true` makes a new secret (shown once). */
export const OAuth2ClientPatch = Type.Object(
  {
    name: Type.Optional(OAuth2ClientCreate.properties.name),
    author: OAuth2ClientCreate.properties.author,
    authorUrl: OAuth2ClientCreate.properties.authorUrl,
    redirectUris: Type.Optional(OAuth2ClientCreate.properties.redirectUris),
    scopes: OAuth2ClientCreate.properties.scopes,
    publicClient: OAuth2ClientCreate.properties.publicClient,
    rotateSecret: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
