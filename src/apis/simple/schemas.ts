import { Type, type TSchema } from '@sinclair/typebox';

/** Fields may come from the query as well as the body (echo binds both), so none is required here. */
export const Fields = (props: Record<string, TSchema>) => Type.Object(Object.fromEntries(Object.entries(props).map(([k, v]) => [k, Type.Optional(v)])));
const S = Type.String({ maxLength: 4096 });

export const ErrorBody = Type.Object({ error: Type.Boolean(), message: Type.String(), reason: Type.String(), cause: Type.Optional(Type.Null()) });
export const EchoBody = Type.Object({ message: Type.String() });
export const Success = Type.Object({ success: Type.Boolean() });
export const errors = { 400: ErrorBody, 401: ErrorBody, 403: Type.Union([ErrorBody, EchoBody]), 404: Type.Union([ErrorBody, EchoBody]), 405: EchoBody, 409: ErrorBody, 429: ErrorBody };

export const LoginBody = Fields({ username: S, password: S, totp: S });
export const CreateAccountBody = Fields({ username: S, password: S, email: S });
export const CreateAccountQuery = Type.Object({ createSession: Type.Optional(Type.String({ maxLength: 16 })) });
export const CreateAccountResponse = Type.Object({ id: Type.String(), createdSession: Type.Optional(Type.Boolean()), hasStipulations: Type.Optional(Type.Boolean()) });
export const CheckBody = Fields({ username: S });
export const CheckResponse = Type.Object({ username: Type.String(), exists: Type.Boolean() });
export const LocalAuth = Type.Object({ username: Type.String(), twofactor: Type.Boolean(), twofactorallowed: Type.Boolean(), requireOldPassword: Type.Boolean() });
export const AccountResponse = Type.Object({
  id: Type.String(),
  created: Type.String(),
  email: Type.String(),
  name: Type.String(),
  auth: Type.Object({
    local: Type.Optional(LocalAuth),
    oidc: Type.Optional(Type.Array(Type.Object({ provider: Type.String(), subject: Type.String(), icon: Type.String(), name: Type.String() }))),
  }),
});
export const AuditQuery = Type.Object({ offset: Type.Optional(Type.String({ maxLength: 12 })), limit: Type.Optional(Type.String({ maxLength: 12 })) });
export const AuditResponse = Type.Object({ records: Type.Array(Type.Object({ ts: Type.String(), module: Type.String(), level: Type.String(), message: Type.String() })) });
export const StipulationBody = Fields({ token: S, account: S });
export const SessionResponse = Type.Object({ success: Type.Boolean(), id: Type.String() });
export const OnetimeBody = Fields({ email: S });
export const TokenQuery = Type.Object({ token: Type.Optional(S) });
export const SimpleResponse = Type.Object({ id: Type.String(), username: Type.String() });
export const VouchQuery = Type.Object({ forward: Type.Optional(S), continue: Type.Optional(S) });
export const PasswordBody = Fields({ oldpassword: S, newpassword: S });
export const SecretResponse = Type.Object({ secret: Type.String() });
export const SecretQuery = Type.Object({ secret: Type.Optional(S) });
export const TotpBody = Fields({ secret: S, code: S });
export const CodeQuery = Type.Object({ code: Type.Optional(S) });

/** Private routes: the session cookie or SharedKey + X-Account-UUID. */
export const PRIVATE: Record<string, string[]>[] = [{ SessionAuth: [] }, { ApiKeyAuth: [] }];
