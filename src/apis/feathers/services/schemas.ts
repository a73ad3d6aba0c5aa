import { Type, type TSchema, type TProperties } from '@sinclair/typebox';

const id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const slug = Type.String({ minLength: 1, maxLength: 255 });
const text = (max = 255) => Type.Union([Type.String({ maxLength: max }), Type.Null()]);

/** create (required as the spec marks them), update (the same: PUT replaces), patch (any subset). */
function forms(required: TProperties, optional: TProperties): { create: TSchema; update: TSchema; patch: TSchema } {
  const create: TSchema = Type.Object({ ...required, ...Object.fromEntries(Object.entries(optional).map(([k, v]) => [k, Type.Optional(v)])) }, { additionalProperties: false });
  return { create, update: create, patch: Type.Partial(Type.Object({ ...required, ...optional }), { additionalProperties: false }) };
}

/** roles, access_scopes, access_group_types: a slug, a name and a description. */
export const named = forms({ slug }, { name: text(), description: text(2000) });
export const roleAccessScope = forms({ role_id: id, access_scope_id: id }, {});
export const userRole = forms({ user_id: id, role_id: id }, {});
export const group = forms({ type_id: id }, { slug: text(), name: text(), description: text(2000) });
export const userGroupRole = forms({ user_id: id, group_id: id, role_id: id }, {});
export const groupGroupRole = forms({ role_id: id }, { parent_group_id: Type.Union([id, Type.Null()]), child_group_id: Type.Union([id, Type.Null()]) });
export const oauthProvider = forms({ slug }, { name: text(), key: text(1024), secret: text(4096), scope: text(1024), nonce: Type.Union([Type.Boolean(), Type.Null()]) });
export const userOAuthProvider = forms({ user_id: id, slug, sub: Type.String({ minLength: 1, maxLength: 255 }) }, {});
