import { Type } from '@sinclair/typebox';

const text = (max = 256) => Type.Union([Type.String({ maxLength: max }), Type.Null()]);

/** The writable fields of a user (spec: users create/update/patch). */
const fields = {
  username: Type.String({ minLength: 1, maxLength: 256 }),
  email: Type.String({ format: 'email', maxLength: 256 }),
  password: Type.String({ minLength: 1, maxLength: 1024 }),
  first_name: text(),
  middle_name: text(),
  last_name: text(),
  picture: text(2048),
  locale: text(35),
  phone: text(32),
};

export const UserCreate = Type.Object(
  {
    ...fields,
    username: Type.Optional(fields.username),
    first_name: Type.Optional(fields.first_name),
    middle_name: Type.Optional(fields.middle_name),
    last_name: Type.Optional(fields.last_name),
    picture: Type.Optional(fields.picture),
    locale: Type.Optional(fields.locale),
    phone: Type.Optional(fields.phone),
  },
  { additionalProperties: false },
);
export const UserPatch = Type.Partial(Type.Object(fields), { additionalProperties: false });
/** PUT replaces: email is required; the password only when it is to change. */
export const UserUpdate = Type.Object({ ...UserPatch.properties, email: fields.email }, { additionalProperties: false });

export const UserRecord = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  first_name: text(),
  middle_name: text(),
  last_name: text(),
  picture: text(),
  locale: text(),
  phone: text(),
  email_verified_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  phone_verified_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  email: text(),
});
