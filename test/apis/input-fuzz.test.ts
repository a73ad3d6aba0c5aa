/**
 * Property-based input fuzzing of every operation in /openapi.json: malformed bodies, content
 * types, query strings (LoopBack `filter`/`where` in both forms), path parameters and headers.
 * Whatever comes in, the server answers below 500, never leaks a password hash, and every error
 * is in the error envelope of the dialect that owns the operation.
 */
import { createHmac } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { startServer, client, decode, type Res, type TestServer } from '../support/server.js';
import { arcFixture, WEB_CLIENT } from '../support/fixtures/arc.js';

// Fixed by default; FUZZ_SEED / FUZZ_RUNS explore further by hand (the failure message names the seed to replay).
const SEED = Number(process.env.FUZZ_SEED ?? 42);
const RUNS_PER_OPERATION = Number(process.env.FUZZ_RUNS ?? 60);
const LOGIN_RUNS = 150;
/** Cap for generated strings; only the one 'huge' body case goes beyond it. */
const MAX = 2000;
const HUGE = 200 * 1024;
const PASSWORD = 'temp123!@';
const SIGNUP_EMAIL = 'fuzz-signup@example.com';
/** argon2 / bcrypt hashes, which no response may ever contain (design decision 11). */
const HASH = /\$argon2(?:id|i|d)\$|\$2[aby]\$\d\d\$/;
/** A fixed seed per operation, independent of the order in which operations are documented. */
const seedOf = (name: string) => [...name].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) | 0, SEED);
const HIDDEN = (p: string) => p === '/openapi.json' || p === '/health' || p.startsWith('/docs');

// ── the OpenAPI document ─────────────────────────────────────────────────────────────────────

interface Schema {
  $ref?: string;
  type?: string | string[];
  nullable?: boolean;
  properties?: Record<string, Schema>;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
}
interface Operation {
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  parameters?: { name: string; in: string }[];
}
interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}
interface PropSpec {
  types: string[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
}
interface Op {
  method: string;
  path: string;
  /** Body property → JSON types the schema allows (empty: anything), over every branch of the body schema. */
  props: Map<string, string[]>;
  /** One map per alternative body shape (`anyOf` branches; one entry for a plain object). */
  branches: Map<string, PropSpec>[];
  contentTypes: string[];
  queryParams: string[];
}

function operations(doc: OpenApiDoc): Op[] {
  const resolve = (s: Schema | undefined): Schema | undefined => (s?.$ref ? resolve(doc.components?.schemas?.[s.$ref.replace('#/components/schemas/', '')]) : s);
  const typesOf = (s: Schema | undefined): string[] => {
    const r = resolve(s);
    if (!r) return [];
    const own = (Array.isArray(r.type) ? r.type : r.type ? [r.type] : []).map((t) => (t === 'integer' ? 'number' : t));
    if (r.nullable) own.push('null');
    const subs = [...(r.anyOf ?? []), ...(r.oneOf ?? [])].map(typesOf);
    // A union with an unconstrained member allows anything.
    if (subs.some((t) => t.length === 0)) return [];
    return [...new Set([...own, ...subs.flat()])];
  };
  const collect = (s: Schema | undefined, into: Map<string, string[]>) => {
    const r = resolve(s);
    for (const [k, v] of Object.entries(r?.properties ?? {})) into.set(k, [...new Set([...(into.get(k) ?? []), ...typesOf(v)])]);
    for (const sub of [...(r?.anyOf ?? []), ...(r?.oneOf ?? []), ...(r?.allOf ?? [])]) collect(sub, into);
  };
  const propSpec = (s: Schema | undefined): PropSpec => {
    const r = resolve(s);
    const str = [r, ...(r?.anyOf ?? []), ...(r?.oneOf ?? [])].map(resolve).find((x) => x?.type === 'string');
    return { types: typesOf(s), format: str?.format, pattern: str?.pattern, minLength: str?.minLength, maxLength: str?.maxLength };
  };
  const branchesOf = (s: Schema | undefined): Map<string, PropSpec>[] => {
    const r = resolve(s);
    if (!r) return [];
    const alternatives = [...(r.anyOf ?? []), ...(r.oneOf ?? [])];
    if (alternatives.length) return alternatives.flatMap(branchesOf);
    const own = new Map(Object.entries(r.properties ?? {}).map(([k, v]) => [k, propSpec(v)]));
    for (const sub of r.allOf ?? []) for (const b of branchesOf(sub)) for (const [k, v] of b) own.set(k, v);
    return [own];
  };
  const ops: Op[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    if (HIDDEN(path)) continue;
    for (const [method, op] of Object.entries(methods)) {
      const props = new Map<string, string[]>();
      const content = op.requestBody?.content ?? {};
      for (const media of Object.values(content)) collect(media.schema, props);
      ops.push({
        method: method.toUpperCase(),
        path,
        props,
        branches: Object.values(content).flatMap((m) => branchesOf(m.schema)).filter((b) => b.size > 0),
        contentTypes: Object.keys(content),
        queryParams: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      });
    }
  }
  return ops;
}

// ── dialects and envelopes ───────────────────────────────────────────────────────────────────

/** basic's operations (PATCH /auth/reset-password is ARC's; POST /auth/login is decided by its body). */
const BASIC_OPS = new Set(['POST /auth', 'POST /auth/register', 'POST /auth/logout', 'POST /auth/refresh-tokens', 'POST /auth/reset-password', 'POST /auth/forgot-password']);

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** What Fastify's JSON parser (secure-json-parse, poisoning = error) refuses. */
function poisoned(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(poisoned);
  if (!isPlainObject(v)) return false;
  if (own(v, '__proto__')) return true;
  const c = own(v, 'constructor') ? v.constructor : undefined;
  if (isPlainObject(c) && own(c, 'prototype')) return true;
  return Object.values(v).some(poisoned);
}

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** The body the server parses: JSON (any charset, media type case-insensitive), BOM stripped. */
function parsedJson(sent: Sent): unknown {
  if (sent.body === undefined || !/^application\/json\s*(?:;.*)?$/i.test(sent.headers['content-type'] ?? '')) return undefined;
  try {
    const v: unknown = JSON.parse(sent.body.replace(/^\uFEFF/, ''));
    return poisoned(v) ? undefined : v;
  } catch {
    return undefined;
  }
}

/** The Feathers dialect's one-time code routes, whose errors are `{error}` (spec). */
const FEATHERS_CODES = /^\/(auth\/)?(otp|verify|recover)(\/|$)/;
/** The Feathers dialect's other paths: its services, and /auth/refresh. */
const FEATHERS_SERVICES = new Set(['authentication', 'users', 'roles', 'access_scopes', 'role_access_scopes', 'user_roles', 'access_group_types', 'access_groups', 'user_group_roles', 'group_group_roles', 'oauth_providers', 'user_oauth_providers', 'auth_sessions', 'events', 'admin_users', 'admin_arc_clients', 'admin_oauth2_clients', 'admin_config']);

function dialectOf(op: Op, sent: Sent): 'arc' | 'basic' | 'simple' | 'feathers' | 'feathers-codes' {
  const name = `${op.method} ${op.path}`;
  if (FEATHERS_CODES.test(op.path)) return 'feathers-codes';
  if (op.path === '/auth/refresh' || op.path.startsWith('/oauth/') || FEATHERS_SERVICES.has(op.path.split('/')[1] ?? '')) return 'feathers';
  if (op.path.startsWith('/api/v1/') || op.path.startsWith('/oidc/') || op.path === '/oauth2' || op.path === '/onetime') return 'simple';
  if (BASIC_OPS.has(name)) return 'basic';
  if (name === 'POST /auth/login') {
    const b = parsedJson(sent);
    if (isPlainObject(b) && own(b, 'email') && !own(b, 'client_id')) return 'basic';
  }
  return 'arc';
}

const cut = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);
function describeExchange(sent: Sent, res: Res): string {
  const headers = Object.fromEntries(Object.entries(sent.headers).map(([k, v]) => [k, cut(v, 120)]));
  return `${sent.method} ${cut(sent.url, 200)}\n  headers: ${JSON.stringify(headers)}\n  body: ${sent.body === undefined ? '(none)' : JSON.stringify(cut(sent.body, 200))}\n  → ${res.status} ${cut(res.text, 300)}`;
}

/** The invariants every response must hold. */
function checkResponse(op: Op, sent: Sent, res: Res): void {
  const ctx = describeExchange(sent, res);
  expect(res.status, ctx).toBeLessThan(500);
  expect(res.text, `password hash in response\n${ctx}`).not.toMatch(HASH);
  if (res.status < 400) return; // 2xx and 302 are fine
  expect(res.body, `error without a JSON body\n${ctx}`).toBeDefined();
  const error: unknown = (res.body as { error?: unknown } | undefined)?.error;
  const dialect = dialectOf(op, sent);
  if (dialect === 'simple') {
    const b = res.body as Record<string, unknown>;
    const v1 = b.error === true && typeof b.message === 'string' && typeof b.reason === 'string';
    const echo = typeof b.message === 'string' && Object.keys(b).length === 1;
    const oauth = typeof b.error === 'string' && typeof b.error_description === 'string';
    expect(v1 || echo || oauth, `simple envelope {error:true,message,reason} | {message} | {error,error_description} expected\n${ctx}`).toBe(true);
  } else if (dialect === 'feathers') {
    const b = res.body as Record<string, unknown>;
    expect(typeof b.name === 'string' && typeof b.message === 'string' && typeof b.className === 'string', `Feathers envelope {name,message,code,className} expected\n${ctx}`).toBe(true);
    expect(b.code, `Feathers error code\n${ctx}`).toBe(res.status);
  } else if (dialect === 'feathers-codes') {
    expect(typeof error, `Feathers code routes' envelope {error: string} expected\n${ctx}`).toBe('string');
  } else if (dialect === 'arc') {
    expect(isPlainObject(error), `ARC envelope {error:{statusCode,message}} expected\n${ctx}`).toBe(true);
    const e = error as Record<string, unknown>;
    expect(e.statusCode, `ARC error.statusCode\n${ctx}`).toBe(res.status);
    const m = e.message;
    expect(typeof m === 'string' || (isPlainObject(m) && typeof m.message === 'string'), `ARC error.message must be a string or {message}\n${ctx}`).toBe(true);
  } else {
    expect(typeof error === 'string' || isPlainObject(error), `basic envelope {error: string|object} expected\n${ctx}`).toBe(true);
  }
}

// ── generators ───────────────────────────────────────────────────────────────────────────────

const printable = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
/** Header-safe text (fetch refuses CR, LF, NUL and non-Latin-1). */
const ascii = (maxLength: number) => fc.string({ unit: printable, maxLength });
const text = (maxLength: number) =>
  fc.oneof(fc.string({ maxLength }), fc.string({ unit: 'grapheme', maxLength }), fc.string({ unit: 'binary', maxLength }), fc.string({ unit: 'binary-ascii', maxLength }));
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** encodeURIComponent, except that lone surrogates go out as their (invalid) WTF-8 bytes instead of throwing. */
function enc(s: string): string {
  let out = '';
  let last = 0;
  for (const m of s.matchAll(LONE_SURROGATE)) {
    const c = m[0].charCodeAt(0);
    const bytes = [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)];
    out += encodeURIComponent(s.slice(last, m.index)) + bytes.map((x) => `%${x.toString(16).toUpperCase()}`).join('');
    last = m.index + 1;
  }
  return out + encodeURIComponent(s.slice(last));
}

const EDGE_STRINGS = [
  '', ' ', '\u0000', 'null', 'undefined', 'NaN', '-1', '0', '1e309', '\ud800', '\udfff\ud800', '𝕏'.repeat(500), 'a'.repeat(MAX),
  "' OR '1'='1' --", '"; DROP TABLE users; --', '%s%n%x', '${7*7}{{7*7}}', '../../../../etc/passwd', '<script>alert(1)</script>',
  '\r\nSet-Cookie: x=1', '__proto__', 'constructor', 'toString', 'ｔｅｓｔ＿ｕｓｅｒ', 'TEST_USER', 'test_user ', ' xyz@gmail.com', 'xyz@gmail.com\u0000',
];
const MALFORMED_JSON = [
  '', ' ', '{', '}', '{"a":', '{"a":1,}', '[1,]', "{'a':1}", 'nul', 'tru', '01', '1e99999', '"unterminated', '{"a":1}{"b":2}', '{"a":1} trailing',
  '\uFEFF{}', '\u0000', '{"__proto__":{"isAdmin":true}}', '{"constructor":{"prototype":{"isAdmin":true}}}', '{"a":"\\uZZZZ"}', '{"a":"\\ud800"}',
  '{"a":1,"a":2}', '[]', 'null', '0', '"str"', 'true', '{"email":"xyz@gmail.com","password":"x"', '<xml/>', '%7B%7D',
];
const WRONG_CONTENT_TYPES = [
  'text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data', 'multipart/form-data; boundary=xyz',
  'application/xml', 'application/octet-stream', 'application/vnd.api+json', 'application/json-patch+json', 'application/merge-patch+json',
  ';;;', 'garbage', '*/*', 'application/', '/json', 'text/html', 'application/json; charset=utf-16', 'APPLICATION/JSON',
];
const MULTIPART = '--xyz\r\nContent-Disposition: form-data; name="username"\r\n\r\ntest_user\r\n--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n\u0000\u0001garbage\r\n--xyz';

const numbers = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -1, 1, 1.5, 2 ** 31, 2 ** 53 + 2, 1e308, -1e308, Number.MIN_VALUE, 99999999999),
);
const json = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }));
const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** An object as JSON text from entries, so that keys such as `__proto__` and duplicates survive. */
const objectText = (entries: [string, unknown][]) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`;
const formText = (entries: [string, unknown][]) => new URLSearchParams(entries.map(([k, v]) => [k, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')])).toString();

/** Strings, tokens and credentials of the fixture: these reach past the first checks. */
interface Pool {
  access: string;
  refresh: string;
  authCode: string;
  resetCode: string;
  signupCode: string;
  basicAccess: string;
  basicRefresh: string;
  /** A Feathers access token and refresh token of the fixture user. */
  feathersAccess: string;
  feathersRefresh: string;
  claims: Record<string, unknown>;
}
const poolStrings = (p: Pool) => ['web', 'test', 'poiuytrewq', 'test_user', PASSWORD, 'xyz@gmail.com', SIGNUP_EMAIL, p.access, p.refresh, p.authCode, p.resetCode, p.signupCode, p.basicAccess, p.basicRefresh, p.feathersAccess, p.feathersRefresh];

function strings(pool: Pool, maxLength = MAX) {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...poolStrings(pool)) },
    { weight: 2, arbitrary: text(maxLength) },
    { weight: 2, arbitrary: fc.constantFrom(...EDGE_STRINGS.filter((s) => s.length <= maxLength)) },
  );
}

/** A value of one of `types` (the property's declared type), or anything when undeclared. */
function rightTyped(types: string[], pool: Pool): fc.Arbitrary<unknown> {
  const arbs: fc.Arbitrary<unknown>[] = [];
  if (types.includes('string')) arbs.push(strings(pool));
  if (types.includes('number')) arbs.push(numbers);
  if (types.includes('boolean')) arbs.push(fc.boolean());
  if (types.includes('null')) arbs.push(fc.constant(null));
  if (types.includes('object')) arbs.push(fc.dictionary(text(12), json, { maxKeys: 4 }));
  if (types.includes('array')) arbs.push(fc.array(json, { maxLength: 4 }));
  return arbs.length ? fc.oneof(...arbs) : json;
}

/** A value of a JSON type the property does not declare. */
function wrongTyped(types: string[], pool: Pool): fc.Arbitrary<unknown> {
  const any = fc.oneof(
    numbers,
    fc.boolean(),
    fc.constant(null),
    fc.array(json, { maxLength: 4 }),
    fc.dictionary(text(12), json, { maxKeys: 4 }),
    strings(pool, 200),
    fc.constant(JSON.parse(deepArray(200)) as unknown),
  );
  return types.length ? any.filter((v) => !types.includes(jsonType(v))) : any;
}

/** A value the property's schema accepts: declared type, format, pattern and length. */
function validValue(spec: PropSpec, pool: Pool): fc.Arbitrary<unknown> {
  if (!spec.types.includes('string')) return rightTyped(spec.types, pool);
  const { minLength = 0, maxLength = MAX } = spec;
  const fits = (v: string) => v.length >= minLength && v.length <= maxLength;
  if (spec.format === 'date-time') return fc.date({ min: new Date(0), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  if (spec.format === 'email') return fc.oneof(fc.emailAddress(), fc.constantFrom('xyz@gmail.com', SIGNUP_EMAIL)).filter(fits);
  if (spec.pattern) {
    // Lookaheads (the strong-password rule) are beyond fc.stringMatching; a known-good value stands in.
    const matching = (() => {
      try {
        return fc.stringMatching(new RegExp(spec.pattern));
      } catch {
        return undefined;
      }
    })();
    const re = new RegExp(spec.pattern);
    // Mapped rather than filtered, so that a generator the pattern disagrees with cannot loop forever.
    return (matching ?? fc.constantFrom('Fuzz!1234x', 'Aa1!aaaa', `Zz9#${'x'.repeat(100)}`)).map((v) => (re.test(v) && fits(v) ? v : 'Fuzz!1234x'));
  }
  return fc.oneof(strings(pool).filter(fits), fc.string({ unit: 'grapheme', minLength, maxLength: Math.min(maxLength, MAX) }));
}

/** Every property of one body shape present and valid: the input that gets past validation into the handler. */
function validEntries(op: Op, pool: Pool): fc.Arbitrary<[string, unknown][]> {
  if (!op.branches.length) return fc.constant([]);
  return fc.oneof(
    ...op.branches.map((b) =>
      fc
        .tuple(fc.tuple(...[...b.entries()].map(([name, spec]) => validValue(spec, pool).map((v): [string, unknown] => [name, v]))), fc.boolean())
        // A registration's `confirm` must repeat its password; most runs honour that to get further.
        .map(([entries, confirm]) => {
          const password = entries.find(([k]) => k === 'password')?.[1];
          return confirm ? entries.map(([k, v]): [string, unknown] => [k, k === 'confirm' ? password : v]) : entries;
        }),
    ),
  );
}

/** Entries shaped after the operation's body schema, each property right-typed, wrong-typed or absent, plus stray keys. */
function schemaEntries(op: Op, pool: Pool): fc.Arbitrary<[string, unknown][]> {
  const props = [...op.props.entries()].map(([name, types]) =>
    fc.option(
      fc.oneof({ weight: 4, arbitrary: rightTyped(types, pool) }, { weight: 1, arbitrary: wrongTyped(types, pool) }).map((v): [string, unknown] => [name, v]),
      { nil: undefined, freq: 8 },
    ),
  );
  const stray = fc.array(
    fc.tuple(fc.constantFrom('__proto__', 'constructor', 'access_token', 'id', 'email', 'client_id', 'isAdmin', ''), json).map(([k, v]): [string, unknown] => [k, v]),
    { maxLength: 2 },
  );
  return fc.tuple(fc.tuple(...props), fc.option(stray, { nil: undefined, freq: 4 })).map(([ps, extra]) => [
    ...ps.filter((p): p is [string, unknown] => p !== undefined),
    ...(extra ?? []),
  ]);
}

interface BodyPlan {
  kind: string;
  contentType?: string;
  body?: string;
}

function bodies(op: Op, pool: Pool): fc.Arbitrary<BodyPlan> {
  const names = [...op.props.keys()];
  const jsonTypes = fc.constantFrom('application/json', 'application/json', 'application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON');
  const formOnly = op.contentTypes.length > 0 && !op.contentTypes.includes('application/json');
  const firstString = names.find((n) => op.props.get(n)?.includes('string')) ?? names[0] ?? 'x';
  return fc.oneof(
    {
      weight: 5,
      arbitrary: validEntries(op, pool).map((e) =>
        formOnly ? { kind: 'valid-form', contentType: 'application/x-www-form-urlencoded', body: formText(e) } : { kind: 'valid-json', contentType: 'application/json', body: objectText(e) },
      ),
    },
    { weight: 5, arbitrary: fc.tuple(schemaEntries(op, pool), jsonTypes).map(([e, ct]) => ({ kind: 'schema-json', contentType: ct, body: objectText(e) })) },
    {
      weight: formOnly ? 6 : 2,
      arbitrary: schemaEntries(op, pool).map((e) => ({ kind: 'schema-form', contentType: 'application/x-www-form-urlencoded', body: formText(e) })),
    },
    { weight: 2, arbitrary: json.map((v) => ({ kind: 'json-value', contentType: 'application/json', body: JSON.stringify(v) })) },
    {
      weight: 2,
      arbitrary: fc
        .array(fc.tuple(fc.oneof(fc.constantFrom(...names, '__proto__', 'constructor', 'prototype'), text(20)), json), { maxLength: 6 })
        .map((e) => ({ kind: 'random-object', contentType: 'application/json', body: objectText(e) })),
    },
    { weight: 2, arbitrary: fc.oneof(fc.constantFrom(...MALFORMED_JSON), ascii(200)).map((b) => ({ kind: 'malformed-json', contentType: 'application/json', body: b })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...WRONG_CONTENT_TYPES), fc.oneof(schemaEntries(op, pool).map(objectText), schemaEntries(op, pool).map(formText), fc.constant(MULTIPART), ascii(200), fc.constant('a=1&b=%ZZ&&=&c')))
        .map(([ct, b]) => ({ kind: 'wrong-content-type', contentType: ct, body: b })),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'none' }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'empty-json', contentType: 'application/json', body: '' }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        { kind: 'huge', contentType: 'application/json', body: objectText([[firstString, 'A'.repeat(HUGE)]]) },
        { kind: 'deep', contentType: 'application/json', body: `{${JSON.stringify(firstString)}:${deepArray(5000)}}` },
      ),
    },
  );
}

// LoopBack filters: the JSON form and the bracket form.
const COLUMNS = ['id', 'clientId', 'clientSecret', 'secret', 'redirectUrl', 'accessTokenExpiration', 'refreshTokenExpiration', 'authCodeExpiration', 'createdOn', 'modifiedOn', 'deleted', 'nope', '__proto__', 'constructor', 'toString'];
const OPERATORS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'inq', 'nin', 'like', 'nlike', 'ilike', 'nilike', 'regexp', 'exists', 'and', 'or', 'near'];
const scalar = fc.oneof(numbers, text(20), fc.boolean(), fc.constant(null), fc.constantFrom('2020-01-01', '2020-01-01T00:00:00Z', '2020-13-45', '1e3', 'web', '%', '_', '\u0000'));
const condition = fc.oneof(scalar, fc.array(scalar, { maxLength: 4 }), fc.dictionary(fc.constantFrom(...OPERATORS), fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })), { maxKeys: 2 }));
const whereObj = fc.dictionary(
  fc.oneof(fc.constantFrom(...COLUMNS, 'and', 'or'), text(8)),
  fc.oneof({ weight: 4, arbitrary: condition }, { weight: 1, arbitrary: fc.array(fc.dictionary(fc.constantFrom(...COLUMNS), condition, { maxKeys: 2 }), { maxLength: 3 }) }),
  { maxKeys: 3 },
);
const orderItem = fc.tuple(fc.oneof(fc.constantFrom(...COLUMNS), text(10)), fc.constantFrom('', ' ASC', ' DESC', ' desc', ' sideways', '; DROP TABLE clients')).map(([c, d]) => c + d);
const filterObj = fc.record(
  {
    where: whereObj,
    fields: fc.oneof(fc.array(fc.constantFrom(...COLUMNS), { maxLength: 4 }), fc.dictionary(fc.constantFrom(...COLUMNS), fc.oneof(fc.boolean(), fc.constantFrom('true', 1, null)), { maxKeys: 3 })),
    order: fc.oneof(orderItem, fc.array(orderItem, { maxLength: 3 }), numbers),
    limit: fc.oneof(numbers, text(5)),
    skip: fc.oneof(numbers, text(5)),
    offset: fc.oneof(numbers, text(5)),
    include: json,
  },
  { requiredKeys: [] },
);
const BRACKET_QUERIES = [
  'filter[where][__proto__][x]=1', 'filter[where][constructor][prototype][x]=1', 'filter[__proto__][polluted]=1', 'filter[where][clientId]=web',
  'filter[where][id][inq][0]=1&filter[where][id][inq][1]=2', 'filter[where][id][inq][]=1&filter[where][id][inq][]=x', 'filter[order]=id%20DESC',
  'filter[order][0]=clientId%20ASC', 'filter[limit]=-1', 'filter[limit]=99999999999999999999', 'filter[skip]=abc', 'filter[fields][secret]=true',
  'filter[fields][0]=clientSecret', 'filter[where][or][0][id]=1&filter[where][or][1][clientId]=web', 'filter[where]=1&filter[where][id]=2',
  'filter[where][id]=1&filter[where][id][gt]=2', 'filter[where', 'filter]]', 'filter[a]b[c]=1', 'filter[][]=1', 'filter[where][][x]=1',
  'where[clientId]=web', 'where[__proto__][x]=1', 'where[id][gt]=0', 'where[and][0][id][lt]=100', 'where[createdOn][between][0]=2020-01-01&where[createdOn][between][1]=x',
  'filter[where][id][between][0]=1', `filter${'[a]'.repeat(9)}=1`, `where${'[and][0]'.repeat(6)}[id]=1`, 'filter=%7B%7D&filter=%7B%7D', 'filter=&filter[where][id]=1',
  Array.from({ length: 201 }, (_, i) => `filter[where][k${i}]=1`).join('&'), Array.from({ length: 201 }, (_, i) => `where[or][${i}][id]=${i}`).join('&'),
  `filter=${enc(deepArray(1000))}`, `filter=${enc(`${'{"where":{"and":['.repeat(40)}{}${']}}'.repeat(40)}`)}`, `where=${enc(`${'{"or":['.repeat(60)}{}${']}'.repeat(60)}`)}`,
  '%', '%ZZ', 'filter=%E0%A4%A', '&&&', '=', '==', 'a=1=2', '%00=%00', 'filter=%00', 'token=%ED%A0%80', 'access_token=', 'access_token=%20',
];
const FILTER_GARBAGE = [
  '{', '[]', 'null', '1', '"x"', '{"where":', '{"__proto__":{"x":1}}', '{"where":{"__proto__":{"id":1}}}', '{"where":{"constructor":{"prototype":{"x":1}}}}',
  '{"include":[{"relation":"x"}]}', '{"where":{"id":{"regexp":"^a"}}}', '{"limit":1e309}', '{"limit":-1}', '{"limit":"abc"}', '{"skip":1,"offset":2}',
  '{"order":["id DESC","nope ASC"]}', '{"order":"id; DROP TABLE clients"}', '{"fields":{"secret":true}}', '{"fields":["clientSecret"]}', '{"where":{"and":{}}}',
  '{"where":{"or":[1,2]}}', '{"where":{"clientId":{"inq":[]}}}', '{"where":{"createdOn":{"gt":"2020-13-45"}}}', '{"where":{"id":{"between":[1]}}}',
  '{"where":{"id":{"inq":[1,null,"x"]}}}', '{"where":{"clientId":{"like":"%"}},"limit":1000000}', '{"where":{"id":{"gt":9007199254740993}}}',
];

function queries(op: Op, pool: Pool): fc.Arbitrary<string> {
  const keys = fc.oneof(fc.constantFrom(...op.queryParams, 'filter', 'where', 'access_token', 'token', 'client_id', 'client_secret', 'code', 'state', 'id'), text(20));
  const declared = fc.tuple(...op.queryParams.filter((p) => p !== 'filter' && p !== 'where').map((p) => strings(pool, 100).map((v) => `${enc(p)}=${enc(v)}`))).map((fs) => fs.join('&'));
  const fragment = fc.oneof(
    { weight: op.queryParams.some((p) => p !== 'filter' && p !== 'where') ? 4 : 0, arbitrary: declared },
    { weight: 3, arbitrary: fc.tuple(keys, strings(pool, 100)).map(([k, v]) => `${enc(k)}=${enc(v)}`) },
    { weight: 2, arbitrary: filterObj.map((f) => `filter=${enc(JSON.stringify(f))}`) },
    { weight: 2, arbitrary: whereObj.map((w) => `where=${enc(JSON.stringify(w))}`) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('filter', 'where'), fc.oneof(fc.constantFrom(...FILTER_GARBAGE), ascii(100))).map(([k, g]) => `${k}=${enc(g)}`) },
    { weight: 2, arbitrary: fc.constantFrom(...BRACKET_QUERIES) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom('filter', 'where'),
          fc.array(fc.oneof(fc.constantFrom('where', 'and', 'or', '0', '1', '', '__proto__', 'constructor', 'prototype', ...COLUMNS, ...OPERATORS), text(8).map(enc)), { minLength: 1, maxLength: 12 }),
          strings(pool, 50),
        )
        .map(([name, segs, v]) => `${name}${segs.map((s) => `[${s}]`).join('')}=${enc(v)}`),
    },
    { weight: 1, arbitrary: fc.constantFrom(pool.access, pool.refresh, pool.resetCode, pool.signupCode).map((t) => `access_token=${enc(t)}`) },
  );
  return fc.array(fragment, { maxLength: 4 }).map((fs) => fs.join('&'));
}

/**
 * Fastify's router refuses a path parameter over 100 characters (maxParamLength) and bad
 * percent-encoding before any handler runs; a test of its own covers those.
 */
const MAX_PARAM = 100;
/** Values for `{id}`: numbers, numeric-looking text, unicode, injection attempts. Always percent-encoded. */
const pathIds = fc.oneof(
  fc.integer().map(String),
  { weight: 3, arbitrary: fc.nat({ max: 5 }).map(String) },
  fc.constantFrom('test_user', 'TEST_USER', 'nobody'),
  fc.double().map(String),
  text(50),
  fc.constantFrom(
    '0', '-1', '1', '2', '1.5', '1e309', 'NaN', 'Infinity', '-0', '0x1', '9007199254740993', '99999999999999999999999', 'test_user', 'TEST_USER',
    "1' OR '1'='1", '1;DROP TABLE clients', '__proto__', 'constructor', 'null', 'undefined', 'true', '[]', '{}', ' ', '\u0000', 'a'.repeat(MAX_PARAM), '𝕏',
  ),
).filter((id) => enc(id).length <= MAX_PARAM);

function b64(v: unknown): string {
  return Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
}
function hs256(header: unknown, payload: unknown, secret: string): string {
  const head = `${b64(header)}.${b64(payload)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

/** Authorization values: garbage, other schemes, forged or malformed JWTs, and the real tokens (plain or mangled). */
function authorizations(pool: Pool, srv: TestServer): fc.Arbitrary<string | undefined> {
  const now = Math.floor(Date.now() / 1000);
  const headerObj = fc.oneof(
    fc.constant({ alg: 'HS256', typ: 'JWT' }),
    fc.constantFrom({ alg: 'none' }, { alg: 'HS256', typ: 'reset+jwt' }, { alg: 'HS256', typ: 'signup+jwt' }, { alg: 'RS256', typ: 'JWT' }, { alg: 'HS256', kid: '../../x' }),
    json,
  );
  const claims = fc.oneof(
    fc.constant(pool.claims),
    json,
    fc.record({ id: json, permissions: fc.oneof(fc.array(text(12), { maxLength: 4 }), json), username: json, exp: fc.oneof(numbers, text(5)), passwordExpiryTime: fc.oneof(numbers, text(5)) }, { requiredKeys: [] }),
  );
  // Signed with our own key but with odd claims: only the server can mint these, but they reach the deepest code.
  const ownKey = fc
    .tuple(
      fc.constantFrom('JWT', 'reset+jwt', 'signup+jwt'),
      fc.record(
        {
          id: json,
          permissions: fc.oneof(fc.constant(['NotAllowed', 'ManageOtp', 'CreateResetToken', 'CreateSignupToken']), json),
          username: fc.oneof(fc.constant('test_user'), json),
          email: fc.oneof(fc.constant(SIGNUP_EMAIL), json),
          sub: json,
          type: fc.constantFrom('access', 'refresh', 'resetPassword'),
          passwordExpiryTime: fc.oneof(numbers, text(5)),
          exp: fc.oneof(fc.constant(now + 600), fc.constant(now - 600), numbers, text(5)),
          user: json,
          clientId: fc.oneof(fc.constant('web'), json),
        },
        { requiredKeys: [] },
      ),
    )
    .map(([typ, c]) => hs256({ alg: 'HS256', typ }, { ...pool.claims, ...c, iss: srv.config.jwtIssuer }, srv.config.jwtSecret));
  const token = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(pool.access, pool.access, pool.signupCode, pool.basicAccess, pool.feathersAccess, pool.feathersAccess) },
    { weight: 2, arbitrary: fc.constantFrom(pool.refresh, pool.authCode, pool.resetCode, pool.basicRefresh, pool.feathersRefresh) },
    { weight: 3, arbitrary: fc.tuple(headerObj, claims, fc.oneof(fc.constant('wrong-secret'), ascii(20))).map(([h, c, s]) => hs256(h, c, s)) },
    { weight: 1, arbitrary: fc.tuple(headerObj, claims).map(([h, c]) => `${b64(h)}.${b64(c)}.`) },
    { weight: 1, arbitrary: fc.tuple(ascii(40), ascii(40), ascii(40)).map(([a, b, c]) => `${b64(a)}.${b64(c)}.${b64(b)}`) },
    { weight: 2, arbitrary: ownKey },
    { weight: 1, arbitrary: fc.constantFrom('a.b.c', '..', '.', 'a.b', 'a.b.c.d', pool.access.slice(0, -2), `${pool.access}x`, pool.access.split('.').reverse().join('.')) },
    { weight: 2, arbitrary: ascii(300) },
  );
  return fc.option(
    fc.oneof(
      { weight: 10, arbitrary: token.map((t) => `Bearer ${t}`) },
      { weight: 1, arbitrary: token.map((t) => `bearer   ${t}`) },
      { weight: 1, arbitrary: fc.tuple(token, ascii(20)).map(([t, x]) => `Bearer ${t} ${x}`) },
      { weight: 1, arbitrary: ascii(MAX).map((g) => `Basic ${b64(g)}`) },
      { weight: 1, arbitrary: fc.constantFrom('Bearer', 'Bearer ', 'Basic', 'Basic !!!', 'Digest username="x"', 'Bearer\tx', 'null', '') },
      { weight: 2, arbitrary: ascii(MAX) },
      // simple-auth's API key, right and wrong.
      { weight: 3, arbitrary: fc.constantFrom('SharedKey super-secret', 'sharedkey super-secret', 'SharedKey wrong', 'SharedKey', 'Bearer simple-secret') },
    ),
    { nil: undefined, freq: 6 },
  );
}

const deviceIds = fc.option(fc.oneof(ascii(300), fc.constant('d'.repeat(MAX)), fc.constantFrom('', ' ', 'null', '../../x', '<script>')), { nil: undefined });

interface RequestPlan {
  id: string;
  query: string;
  body: BodyPlan;
  authorization?: string;
  deviceId?: string;
  userAgent?: string;
  accountUuid?: string;
}

// ── the suite ────────────────────────────────────────────────────────────────────────────────

describe('input fuzzing of every documented operation', () => {
  let srv: TestServer;
  let request: ReturnType<typeof client>;
  let webId: number;
  let pool: Pool;

  /** Undoes what a lucky fuzz run may have done to the fixture (renamed or deleted client `web`, changed password). */
  async function repairFixture(): Promise<void> {
    const db = srv.store.db;
    const clash = await db.selectFrom('clients').select('id').where('client_id', '=', 'web').where('id', '!=', webId).execute();
    for (const c of clash) await db.updateTable('clients').set({ client_id: `fuzz-moved-${c.id}` }).where('id', '=', c.id).execute();
    await db.updateTable('clients').set({ deleted_at: null, deleted_by: null }).where('id', '=', webId).execute();
    await srv.core.clients.update(webId, WEB_CLIENT);
    const user = await srv.core.accounts.byUsername('test_user');
    expect(user, 'fixture user').toBeDefined();
    // Fails with password_same when the password is untouched, which is the usual case.
    await srv.core.accounts.setPassword(user!, PASSWORD, { via: 'test' }).catch(() => undefined);
    await srv.core.codes.otp.remove('test_user');
  }

  /** Fresh real tokens of every kind, through the API itself. */
  async function refreshPool(): Promise<void> {
    await repairFixture();
    const creds = { client_id: 'web', client_secret: 'test', username: 'test_user', password: PASSWORD };
    const login = await request('POST', '/auth/login-token', { json: creds });
    expect(login.status, `fixture sign-in: ${login.text}`).toBe(200);
    const access = login.body.accessToken as string;
    const code = await request('POST', '/auth/login', { json: creds });
    expect(code.status, code.text).toBe(200);
    const reset = await request('POST', '/auth/forget-password', { json: { username: 'test_user', client_id: 'web', client_secret: 'test' }, bearer: access });
    expect(reset.status, reset.text).toBe(200);
    const signup = await request('POST', '/auth/sign-up/create-token', { json: { email: SIGNUP_EMAIL }, bearer: access });
    expect(signup.status, signup.text).toBe(200);
    const basic = await request('POST', '/auth/login', { json: { email: 'xyz@gmail.com', password: PASSWORD } });
    expect(basic.status, basic.text).toBe(200);
    const feathers = await request('POST', '/authentication', { json: { strategy: 'local', email: 'xyz@gmail.com', password: PASSWORD } });
    expect(feathers.status, feathers.text).toBe(201);
    pool = {
      access,
      refresh: login.body.refreshToken as string,
      authCode: code.body.code as string,
      resetCode: reset.body.code as string,
      signupCode: signup.body.code as string,
      basicAccess: basic.body.tokens.access.token as string,
      basicRefresh: basic.body.tokens.refresh.token as string,
      feathersAccess: feathers.body.accessToken as string,
      feathersRefresh: feathers.body.refreshToken as string,
      claims: decode(access),
    };
  }

  async function send(op: Op, plan: RequestPlan): Promise<{ sent: Sent; res: Res }> {
    const path = op.path.replace(/\{\w+\}/g, () => enc(plan.id));
    const headers: Record<string, string> = {};
    if (plan.authorization !== undefined) headers.authorization = plan.authorization;
    if (plan.deviceId !== undefined) headers.device_id = plan.deviceId;
    if (plan.userAgent !== undefined) headers['user-agent'] = plan.userAgent;
    if (plan.accountUuid !== undefined) headers['x-account-uuid'] = plan.accountUuid;
    if (plan.body.contentType !== undefined) headers['content-type'] = plan.body.contentType;
    // fetch cannot send a body with GET.
    const body = op.method === 'GET' ? undefined : plan.body.body;
    const sent: Sent = { method: op.method, url: plan.query ? `${path}?${plan.query}` : path, headers, body };
    const res = await request(op.method, sent.url, { raw: body, headers });
    return { sent, res };
  }

  let ops: Op[] = [];
  beforeAll(async () => {
    srv = await startServer({
      loginMaxFailures: 1_000_000,
      // Register, create account and sign-up together exceed 30 from one address: keep reaching the handlers.
      registerMaxPerIp: 0,
      // Every simple-auth route mounted, SharedKey on, so the fuzz reaches their handlers.
      apiExternal: true,
      apiSharedSecret: 'super-secret',
      vouchEnabled: true,
      vouchUserHeader: 'X-User-Id',
      simpleAuthEnabled: true,
      simpleAuthSecret: 'simple-secret',
      simpleTwoFactorEnabled: true,
      simpleOnetimeAllowForgotPassword: true,
      oauth2AllowCredentials: true,
    });
    request = client(srv.url);
    webId = (await arcFixture(srv.core)).web.id;
    await refreshPool();
    const doc = await request('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    ops = operations(doc.body as OpenApiDoc);
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('holds the invariants for random input to every operation', { timeout: 300_000 }, async () => {
    // Both specs have 42 operations between them, plus basic's forgot-password.
    expect(ops.length).toBeGreaterThanOrEqual(43);
    expect(ops.map((o) => `${o.method} ${o.path}`)).toEqual(expect.arrayContaining(['GET /auth-clients', 'DELETE /otp-caches/{id}', 'PATCH /auth/change-password', 'POST /auth/register', 'POST /auth/google']));

    const failures: string[] = [];
    const statuses = new Map<string, Map<number, number>>();
    /** Which envelopes the shared POST /auth/login was held to. */
    const loginDialects = new Set<string>();
    for (const op of ops) {
      const name = `${op.method} ${op.path}`;
      await refreshPool();
      const seen = new Map<number, number>();
      statuses.set(name, seen);
      const plans = fc.record(
        {
          id: pathIds,
          query: queries(op, pool),
          body: bodies(op, pool),
          authorization: authorizations(pool, srv),
          deviceId: deviceIds,
          userAgent: fc.option(ascii(200), { nil: undefined, freq: 3 }),
          accountUuid: fc.option(fc.oneof({ weight: 4, arbitrary: fc.constant(String(pool.claims.id)) }, { weight: 1, arbitrary: ascii(80) }), { nil: undefined, freq: 2 }),
        },
        { requiredKeys: ['id', 'query', 'body'] },
      );
      const details = await fc.check(
        fc.asyncProperty(plans, async (plan) => {
          const { sent, res } = await send(op, plan);
          seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
          checkResponse(op, sent, res);
          if (name === 'POST /auth/login' && res.status >= 400) loginDialects.add(dialectOf(op, sent));
        }),
        // Shrinking would replay requests against a server whose state moved on; the message says what was sent.
        { seed: seedOf(name), numRuns: RUNS_PER_OPERATION, endOnFailure: true },
      );
      if (details.failed) failures.push(`${name} (seed ${seedOf(name)}, run ${details.numRuns}): ${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}`);
    }
    // FUZZ_DEBUG=1 shows how far each operation's inputs got (status → count).
    if (process.env.FUZZ_DEBUG) for (const [n, m] of statuses) console.log(n, JSON.stringify([...m].sort()));
    expect(failures, failures.join('\n\n')).toEqual([]);

    // The real bearer got the fuzz past authentication, into the filters, stores and handlers.
    const passedAuth = (name: string) => [...(statuses.get(name) ?? new Map<number, number>()).keys()].some((s) => s !== 401 && s !== 403);
    for (const name of ['GET /auth/me', 'GET /auth-clients', 'GET /auth-clients/count', 'GET /auth-clients/{id}', 'GET /otp-caches/{id}', 'DELETE /otp-caches/{id}', 'GET /users', 'GET /users/{id}', 'GET /auth_sessions']) {
      expect(passedAuth(name), `${name} never got past authentication: ${JSON.stringify([...(statuses.get(name) ?? [])])}`).toBe(true);
    }
    expect([...loginDialects].sort(), 'POST /auth/login errors checked in both envelopes').toEqual(['arc', 'basic']);
    const total = [...statuses.values()].reduce((n, m) => n + [...m.values()].reduce((a, b) => a + b, 0), 0);
    expect(total).toBe(ops.length * RUNS_PER_OPERATION);
  });

  it('answers valid-shaped sign-in attempts with random credentials with a 4xx', { timeout: 60_000 }, async () => {
    await refreshPool();
    const s = fc.oneof(text(200), fc.constantFrom(...EDGE_STRINGS));
    const wrongPassword = s.filter((p) => p !== PASSWORD);
    const arcCreds = (clientId: fc.Arbitrary<string>, clientSecret: fc.Arbitrary<string>, username: fc.Arbitrary<string>) =>
      fc.record({ client_id: clientId, client_secret: clientSecret, username, password: wrongPassword });
    const cases = fc.oneof(
      fc.tuple(fc.constantFrom('/auth/login', '/auth/login-token'), arcCreds(s, s, s)),
      fc.tuple(fc.constantFrom('/auth/login', '/auth/login-token'), arcCreds(fc.constant('web'), fc.constant('test'), s)),
      fc.tuple(fc.constantFrom('/auth/login', '/auth/login-token'), arcCreds(fc.constant('web'), fc.constant('test'), fc.constant('test_user'))),
      fc.tuple(fc.constant('/auth/login'), fc.record({ email: s, password: s })),
      fc.tuple(fc.constant('/auth/login'), fc.record({ email: fc.constant('xyz@gmail.com'), password: wrongPassword })),
      fc.tuple(fc.constant('/auth/token'), fc.record({ code: s, clientId: fc.oneof(s, fc.constant('web')) })),
      fc.tuple(fc.constantFrom('/auth/token-refresh', '/auth/refresh-tokens'), fc.record({ refreshToken: s })),
    );
    const loginOps = new Map(ops.map((o) => [`${o.method} ${o.path}`, o]));
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(cases, deviceIds, async ([path, body], deviceId) => {
        const op = loginOps.get(`POST ${path}`);
        expect(op, `POST ${path} documented`).toBeDefined();
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (deviceId !== undefined) headers.device_id = deviceId;
        const sent: Sent = { method: 'POST', url: path, headers, body: JSON.stringify(body) };
        const res = await request('POST', path, { raw: sent.body, headers });
        seen.add(res.status);
        checkResponse(op!, sent, res);
        expect([400, 401, 422, 429], describeExchange(sent, res)).toContain(res.status);
      }),
      { seed: SEED, numRuns: LOGIN_RUNS, endOnFailure: true },
    );
    // Wrong credentials are refused as such, not only as malformed input.
    expect(seen.has(401)).toBe(true);
  });

  it('answers URLs the router refuses (bad percent-encoding, over-long path parameter) in the ARC envelope', async () => {
    const long = 'a'.repeat(MAX_PARAM + 1);
    const problems: string[] = [];
    for (const [method, path] of [
      ['GET', '/otp-caches/%ZZ'],
      ['DELETE', '/otp-caches/%'],
      ['GET', '/auth-clients/%E0%A4%A'],
      ['PATCH', '/auth-clients/%C0'],
      ['GET', `/otp-caches/${long}`],
      ['DELETE', `/auth-clients/${long}`],
    ] as const) {
      const sent: Sent = { method, url: path, headers: { authorization: `Bearer ${pool.access}` } };
      const res = await request(method, path, { headers: sent.headers });
      const op = ops.find((o) => o.method === method && o.path.includes('{id}') && path.startsWith(o.path.replace('{id}', '')));
      expect(op, `${method} ${path} documented`).toBeDefined();
      expect(res.status, describeExchange(sent, res)).toBeGreaterThanOrEqual(400);
      try {
        checkResponse(op!, sent, res);
      } catch (e) {
        problems.push((e as Error).message);
      }
    }
    expect(problems, problems.join('\n\n')).toEqual([]);
  });
});
