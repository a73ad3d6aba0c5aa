import { Type } from '@sinclair/typebox';

/** Bodies and answers of `/otp`, `/verify` and `/recover` (reference 1.3; their own `{error}` envelope). */

const Email = Type.String({ format: 'email', maxLength: 256, description: 'The email address of the account' });
/** The form accounts hold phone numbers in (international, digits only, optional `+`). */
const Phone = Type.String({ pattern: '^\\+?[1-9][0-9]{1,14}$', description: 'The phone number of the account, international form' });
/** Codes are digits; anything else is a wrong code (answered and counted as one), not bad input. */
const Code = Type.String({ minLength: 1, maxLength: 64 });

/** `{email}` or `{phone}`: exactly one, nothing else. */
export const AddressBody = Type.Union([Type.Object({ email: Email }, { additionalProperties: false }), Type.Object({ phone: Phone }, { additionalProperties: false })]);
export const ADDRESS_RULE = 'Send exactly one of email (an email address) or phone (a phone number in international form), as a string';

/** The OTP exchange: the address the code went to, and a TOTP code when the account has a second factor. */
const Totp = Type.Optional(Type.String({ minLength: 1, maxLength: 16, description: "A current TOTP code (only for accounts with a second factor)" }));
export const ExchangeBody = Type.Union([
  Type.Object({ email: Email, totp: Totp }, { additionalProperties: false }),
  Type.Object({ phone: Phone, totp: Totp }, { additionalProperties: false }),
]);
export const EXCHANGE_RULE = `${ADDRESS_RULE}, and optionally totp`;

export const RecoverRequestBody = Type.Object({ email: Email }, { additionalProperties: false });
export const VerifyBody = Type.Object({ token: Code }, { additionalProperties: false });
export const RecoverBody = Type.Object({ token: Code, password: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false });

export const OtpParam = Type.Object({ otp: Code });
/** The email address or phone number being verified (URL-encoded in the path). */
export const VerifyParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) });
export const RecoverParam = Type.Object({ email: Email });

export const Empty = Type.Object({}, { additionalProperties: false });
export const ErrorBody = Type.Object({ error: Type.String() });
export const ERRORS = { 400: ErrorBody, 401: ErrorBody, 429: ErrorBody };
