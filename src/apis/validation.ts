import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Bodies are validated strictly (no type coercion, every error reported, unknown properties
 * rejected rather than stripped); query strings and path params are coerced, as they are text.
 */
function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({ allErrors: true, coerceTypes: coerce ? 'array' : false, removeAdditional: false, useDefaults: true, strict: false });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}
export const bodyAjv = makeAjv(false);
const paramAjv = makeAjv(true);

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : paramAjv;
  return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
};

export type { ErrorObject };

/**
 * simple-auth binds a missing body as an empty one (its handlers then name the missing field):
 * the same compiler, where an absent body is validated, and replaced, as `{}`.
 */
export const emptyBodyValidatorCompiler: FastifySchemaCompiler<unknown> = (route) => {
  const check = validatorCompiler(route) as ((data: unknown) => boolean) & { errors?: unknown };
  if (route.httpPart !== 'body') return check as ReturnType<FastifySchemaCompiler<unknown>>;
  const validate = (data: unknown) => {
    if (data !== undefined && data !== null) return check(data);
    const empty = {};
    // Fastify replaces the body with `value`; a failure reads `errors` below.
    return check(empty) ? { value: empty } : false;
  };
  Object.defineProperty(validate, 'errors', { get: () => check.errors });
  return validate as unknown as ReturnType<FastifySchemaCompiler<unknown>>;
};
