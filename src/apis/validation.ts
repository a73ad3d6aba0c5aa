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
 * The first string (object key or value) of a parsed input that holds U+0000, as a validation
 * error at its path. PostgreSQL text cannot hold that character and answers a server error for
 * any query that binds it, so a dialect refuses such input before it reaches the store (on
 * SQLite too, so both engines agree). Iterative: a body may be nested thousands of levels deep.
 */
export function nulError(data: unknown): ErrorObject | undefined {
  const stack: Array<[unknown, string]> = [[data, '']];
  while (stack.length) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return { instancePath: path, schemaPath: '', keyword: 'pattern', params: { pattern: '^[^\\u0000]*$' }, message: 'must not contain the NUL character' };
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k.includes('\u0000')) return { instancePath: path, schemaPath: '', keyword: 'propertyNames', params: { propertyName: k }, message: 'must not contain the NUL character' };
        stack.push([v, `${path}/${k}`]);
      }
    }
  }
  return undefined;
}

/** `validatorCompiler`, plus `nulError` on whatever passes the schema. */
export const nulFreeValidatorCompiler: FastifySchemaCompiler<unknown> = (route) => {
  const check = validatorCompiler(route) as ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
  const validate = Object.assign(
    (data: unknown): boolean => {
      if (!check(data)) {
        validate.errors = check.errors;
        return false;
      }
      const nul = nulError(data);
      validate.errors = nul ? [nul] : null;
      return nul === undefined;
    },
    { errors: null as ErrorObject[] | null | undefined },
  );
  return validate as unknown as ReturnType<FastifySchemaCompiler<unknown>>;
};

/**
 * simple-auth binds a missing body as an empty one (its handlers then name the missing field):
 * the NUL-free compiler, where an absent body is validated, and replaced, as `{}`.
 */
export const emptyBodyValidatorCompiler: FastifySchemaCompiler<unknown> = (route) => {
  const check = nulFreeValidatorCompiler(route) as ((data: unknown) => boolean) & { errors?: unknown };
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
