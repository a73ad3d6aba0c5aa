/**
 * Every operation of the ARC and basic specs is documented in the served OpenAPI document, with
 * the request body, content type, parameters and response schemas a generated client needs.
 */
import { readFileSync } from 'node:fs';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startServer, client, type TestServer } from '../support/server.js';

const SPECS = '/work/shared/specs';
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
const OP_LINE = /^`(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\/[^`\s]*)`$/gm;

interface SpecParam {
  name: string;
  in: 'query' | 'path';
  required: boolean;
}
interface SpecOp {
  dialect: 'arc' | 'basic';
  method: string;
  /** OpenAPI form: no query string, `{id}` parameters. */
  path: string;
  hasBody: boolean;
  /** Top-level property names of the spec's body example. */
  bodyKeys: string[];
  /** The Content-Type of the spec's code samples, when they show one. */
  contentType?: string;
  params: SpecParam[];
}

/** `/auth/reset-password?token=string` → `/auth/reset-password`; `/x/:id` → `/x/{id}`. */
function openApiPath(specPath: string): string {
  return (specPath.split('?')[0] ?? '').replace(/:([A-Za-z_]\w*)/g, '{$1}');
}

/** The widdershins markdown: one operation per `## ` section, its code samples, body example and parameter table. */
function parseSpec(file: string, dialect: SpecOp['dialect']): SpecOp[] {
  const text = readFileSync(`${SPECS}/${file}`, 'utf8');
  const ops: SpecOp[] = [];
  for (const section of text.split(/\n(?=#{1,2} )/)) {
    const lines = [...section.matchAll(OP_LINE)];
    if (lines.length === 0) continue;
    if (lines.length > 1) throw new Error(`${file}: one section holds ${lines.length} operations: ${lines.map((l) => l[0]).join(', ')}`);
    const [, method, rawPath] = lines[0]!;
    const body = /^> Body parameter\s*\n+```(\w+)\n([\s\S]*?)```/m.exec(section);
    let bodyKeys: string[] = [];
    if (body) {
      const [, lang, example] = body;
      bodyKeys = lang === 'json' ? Object.keys(JSON.parse(example!) as Record<string, unknown>) : [...example!.matchAll(/^(\w+):/gm)].map((m) => m[1]!);
    }
    const params = [...section.matchAll(/^\|([A-Za-z_][\w-]*)\|(query|path)\|[^|]*\|(true|false)\|/gm)].map((m) => ({
      name: m[1]!,
      in: m[2] as SpecParam['in'],
      required: m[3] === 'true',
    }));
    ops.push({
      dialect,
      method: method!,
      path: openApiPath(rawPath!),
      hasBody: body !== null || /^\|body\|body\|/m.test(section),
      bodyKeys,
      contentType: /'Content-Type':\s*'([^']+)'/.exec(section)?.[1],
      params,
    });
  }
  // Every operation line must have landed in exactly one section.
  expect(ops.length, `${file}: operations found by section vs. by line`).toBe([...text.matchAll(OP_LINE)].length);
  return ops;
}

interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  items?: Schema;
}
interface MediaType {
  schema?: Schema;
}
interface Operation {
  requestBody?: { content?: Record<string, MediaType> };
  parameters?: { name: string; in: string; required?: boolean }[];
  responses?: Record<string, { content?: Record<string, MediaType> }>;
}
interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

const ARC = parseSpec('arc-authentication-service.md', 'arc');
const BASIC = parseSpec('basic-authentication-api.md', 'basic');
const key = (o: { method: string; path: string }) => `${o.method} ${o.path}`;
/** POST /auth/login is in both specs (one route, the body picks the dialect). */
const ALL = [...new Map([...ARC, ...BASIC].map((o) => [key(o), o])).values()];

describe('OpenAPI document covers the ARC and basic specs', () => {
  let srv: TestServer;
  let doc: OpenApiDoc;

  const resolve = (s: Schema | undefined): Schema | undefined => {
    if (!s?.$ref) return s;
    const name = s.$ref.replace('#/components/schemas/', '');
    const target = doc.components?.schemas?.[name];
    expect(target, `dangling $ref ${s.$ref}`).toBeDefined();
    return resolve(target);
  };
  /** Property names a body schema accepts, through $ref and anyOf/oneOf/allOf. */
  const propertiesOf = (s: Schema | undefined): Set<string> => {
    const r = resolve(s);
    const out = new Set(Object.keys(r?.properties ?? {}));
    for (const sub of [...(r?.anyOf ?? []), ...(r?.oneOf ?? []), ...(r?.allOf ?? [])]) for (const p of propertiesOf(sub)) out.add(p);
    return out;
  };
  /** A schema that says something (Type.Unknown() renders as `{}`). */
  const meaningful = (s: Schema | undefined): boolean => {
    const r = resolve(s);
    return !!r && (r.type !== undefined || r.properties !== undefined || !!r.anyOf?.length || !!r.oneOf?.length || !!r.allOf?.length);
  };

  beforeAll(async () => {
    srv = await startServer();
    const res = await client(srv.url)('GET', '/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body as OpenApiDoc;
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('parses the expected number of operations from the specs', () => {
    expect(ARC).toHaveLength(37);
    expect(BASIC).toHaveLength(6);
    expect(ALL).toHaveLength(42);
    // Spot checks on the parser: the query string is dropped, bodies and parameters are read.
    const basicReset = BASIC.find((o) => key(o) === 'POST /auth/reset-password');
    expect(basicReset).toMatchObject({ hasBody: true, bodyKeys: ['password'], params: [{ name: 'token', in: 'query', required: true }] });
    expect(ARC.find((o) => key(o) === 'PUT /auth-clients/{id}')?.params).toEqual([{ name: 'id', in: 'path', required: true }]);
    expect(ARC.find((o) => key(o) === 'POST /auth/google')).toMatchObject({ hasBody: true, contentType: 'application/x-www-form-urlencoded', bodyKeys: ['client_id', 'client_secret'] });
    expect(ARC.find((o) => key(o) === 'GET /auth/me')).toMatchObject({ hasBody: false, bodyKeys: [] });
    expect(ARC.filter((o) => o.hasBody)).toHaveLength(21);
    expect(BASIC.filter((o) => o.hasBody)).toHaveLength(5);
  });

  it('serves an OpenAPI 3 document without the hidden routes', () => {
    expect(doc.openapi).toMatch(/^3\./);
    for (const hidden of ['/openapi.json', '/health', '/docs']) expect(Object.keys(doc.paths)).not.toContain(hidden);
  });

  it.each(ALL.map((o) => [key(o), o] as const))('documents %s', (_name, op) => {
    const path = doc.paths[op.path];
    expect(path, `path ${op.path} missing from /openapi.json`).toBeDefined();
    const operation = path![op.method.toLowerCase()];
    expect(operation, `${op.method} missing on ${op.path}; documented: ${Object.keys(path!).join(', ')}`).toBeDefined();

    // Request body: present exactly when the spec has one, in the spec's content type, with the spec's properties.
    const content = operation!.requestBody?.content ?? {};
    if (op.hasBody) {
      const types = Object.keys(content);
      expect(types.length, 'requestBody without a media type').toBeGreaterThan(0);
      if (op.contentType) expect(types).toContain(op.contentType);
      for (const t of types) {
        expect(meaningful(content[t]!.schema), `requestBody ${t} has no schema`).toBe(true);
        const props = propertiesOf(content[t]!.schema);
        for (const k of op.bodyKeys) expect([...props], `body property ${k} (${t})`).toContain(k);
      }
    } else {
      expect(operation!.requestBody, 'documents a body the spec does not have').toBeUndefined();
    }

    // At least one response with a schema.
    const responses = Object.entries(operation!.responses ?? {});
    const withSchema = responses.filter(([, r]) => Object.values(r.content ?? {}).some((m) => meaningful(m.schema)));
    expect(withSchema.length, `no response schema among ${responses.map(([s]) => s).join(', ')}`).toBeGreaterThan(0);
    expect(responses.some(([s]) => /^[23]\d\d$/.test(s)), 'no success response documented').toBe(true);

    // Query and path parameters of the spec.
    const documented = operation!.parameters ?? [];
    for (const p of op.params) {
      const d = documented.find((x) => x.name === p.name && x.in === p.in);
      expect(d, `${p.in} parameter ${p.name}`).toBeDefined();
      if (p.required) expect(d!.required, `${p.in} parameter ${p.name} must be required`).toBe(true);
    }
    for (const m of op.path.matchAll(/\{(\w+)\}/g)) {
      expect(documented.find((x) => x.name === m[1] && x.in === 'path')?.required, `path parameter ${m[1]}`).toBe(true);
    }
  });

  it('has no unknown methods among the documented operations', () => {
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const m of Object.keys(ops)) expect(METHODS as readonly string[], `${m} ${p}`).toContain(m.toUpperCase());
    }
  });

  it('serves the docs UI at /docs', async () => {
    const res = await client(srv.url)('GET', '/docs');
    if (res.status >= 300 && res.status < 400) {
      expect(res.headers.get('location') ?? '').toMatch(/docs/);
    } else {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type') ?? '').toMatch(/text\/html/);
      expect(res.text).toMatch(/swagger/i);
    }
  });
});

/** The simple-auth spec is plain text: `METHOD /path`, then `name: type` / `in query|path` pairs and a Request Example. */
function parseSimpleSpec(): { method: string; path: string; bodyKeys: string[]; hasBody: boolean; params: { name: string; in: string }[] }[] {
  const text = readFileSync(`${SPECS}/simple-auth-api.txt`, 'utf8');
  const heads = [...text.matchAll(/^(GET|POST|PUT|PATCH|DELETE) (\/\S*)$/gm)];
  return heads.map((m, i) => {
    const section = text.slice(m.index, heads[i + 1]?.index ?? text.length);
    const example = /Request Example\n(\{[\s\S]*?\n\})/.exec(section);
    return {
      method: m[1]!,
      path: `/api/v1${m[2]!}`,
      hasBody: example !== null,
      bodyKeys: example ? Object.keys(JSON.parse(example[1]!) as Record<string, unknown>) : [],
      params: [...section.matchAll(/^(\w+): \w+\nin (query|path)$/gm)].map((p) => ({ name: p[1]!, in: p[2]! })),
    };
  });
}

describe('OpenAPI document covers the simple-auth spec', () => {
  const SIMPLE = parseSimpleSpec();
  let srv: TestServer;
  let doc: OpenApiDoc;
  beforeAll(async () => {
    srv = await startServer();
    doc = (await client(srv.url)('GET', '/openapi.json')).body as OpenApiDoc;
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('parses every operation of the spec', () => {
    expect(SIMPLE).toHaveLength(23);
    expect(SIMPLE.find((o) => o.method === 'DELETE' && o.path === '/api/v1/auth/oauth2/token')?.params).toEqual([
      { name: 'client_id', in: 'query' },
      { name: 'token', in: 'query' },
    ]);
    expect(SIMPLE.find((o) => o.method === 'POST' && o.path === '/api/v1/auth/session')?.bodyKeys).toEqual(['password', 'totp', 'username']);
  });

  it.each(SIMPLE.map((o) => [`${o.method} ${o.path}`, o] as const))('documents %s', (_name, op) => {
    const operation = doc.paths[op.path]?.[op.method.toLowerCase()];
    expect(operation, `${op.method} ${op.path} missing from /openapi.json`).toBeDefined();
    if (op.hasBody) {
      const content = operation!.requestBody?.content ?? {};
      const schema = Object.values(content)[0]?.schema;
      const props = Object.keys((schema?.properties ?? {}) as Record<string, unknown>);
      for (const k of op.bodyKeys) expect(props, `body property ${k}`).toContain(k);
    }
    const documented = operation!.parameters ?? [];
    for (const p of op.params) expect(documented.find((x) => x.name === p.name && x.in === p.in), `${p.in} parameter ${p.name}`).toBeDefined();
    expect(Object.keys(operation!.responses ?? {}).some((s) => /^[23]\d\d$/.test(s)), 'no success response documented').toBe(true);
  });
});
