/**
 * The wire of the Feathers dialect, held against what a genuine Feathers v5 server answers
 * (/tmp/feathers-lab/FINDINGS.md): pagination, the query syntax in both the official client's
 * form and hand-written query strings, Feathers' refusals of unknown operators and filters, the
 * REST routes without an id, X-Service-Method, socket.io errors, and the record shapes.
 */
import type { Params } from '@feathersjs/feathers';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, DB, describeDb, type TestServer } from '../support/server.js';
import { makeAdmin, socketAs, startFeathers, type FeathersUser } from '../support/fixtures/feathers.js';

interface Role {
  id: number;
  slug: string;
  name: string | null;
  description: string | null;
  created_at: string;
  updated_at: string;
}

await describeDb('feathers wire', () => {
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  let admin: FeathersUser;
  let roles: Role[];
  const find = (query: Params['query']) => admin.app.service('roles').find({ query: { ...query, $and: [{ slug: { $like: 'wire-%' } }] } }) as Promise<{ total: number; limit: number; skip: number; data: Role[] }>;
  const get = (qs: string) => req('GET', `/roles?${qs}`, { bearer: admin.accessToken });

  beforeAll(async () => {
    srv = await startFeathers();
    req = client(srv.url);
    admin = await makeAdmin(srv);
    roles = [];
    // 60 roles: wire-00 … wire-59, names alternating in case, descriptions only on the even ones.
    for (let i = 0; i < 60; i++) {
      const slug = `wire-${String(i).padStart(2, '0')}`;
      roles.push((await srv.core.records.roles.create({ slug, name: i % 2 ? `Role ${i}` : `ROLE ${i}`, description: i % 2 ? null : 'even' })) as unknown as Role);
    }
    roles = (await find({ $limit: 50, $sort: { id: 1 } })).data.concat((await find({ $limit: 50, $skip: 50, $sort: { id: 1 } })).data);
  });
  afterAll(async () => srv?.close());

  it('pages by 10 by default, clamps $limit to 50, answers $limit=0 with the total only', async () => {
    const first = await find({});
    expect(Object.keys(first)).toEqual(['total', 'limit', 'skip', 'data']);
    expect(first).toMatchObject({ total: 60, limit: 10, skip: 0 });
    expect(first.data).toHaveLength(10);
    expect(await find({ $limit: 1000 })).toMatchObject({ total: 60, limit: 50 });
    expect((await find({ $limit: 1000 })).data).toHaveLength(50);
    expect(await find({ $limit: 0 })).toEqual({ total: 60, limit: 0, skip: 0, data: [] });
    // As Feathers' getLimit: a negative or non-numeric $limit falls back to the default.
    for (const bad of ['-5', 'abc']) expect((await get(`slug[$like]=wire-%25&$limit=${bad}`)).body).toMatchObject({ total: 60, limit: 10 });
  });

  it('skips and sorts, ascending and descending, by one field or several', async () => {
    const page = await find({ $skip: 55, $sort: { slug: 1 } });
    expect(page).toMatchObject({ total: 60, skip: 55 });
    expect(page.data.map((r) => r.slug)).toEqual(['wire-55', 'wire-56', 'wire-57', 'wire-58', 'wire-59']);
    expect((await find({ $limit: 3, $sort: { slug: -1 } })).data.map((r) => r.slug)).toEqual(['wire-59', 'wire-58', 'wire-57']);
    const byTwo = await find({ $limit: 3, $sort: { description: 1, id: -1 } });
    expect(byTwo.data.map((r) => r.slug)).toHaveLength(3);
    // The query-string form the client sends: $sort[slug]=-1.
    expect((await get('slug[$like]=wire-%25&$sort[slug]=-1&$limit=1')).body.data[0].slug).toBe('wire-59');
    expect((await get('$sort[slug]=2')).status).toBe(400);
    expect((await get('$sort[nonsense]=1')).status).toBe(400);
  });

  it('keeps only the $select-ed fields, and always the id', async () => {
    const page = await find({ $select: ['slug'], $limit: 2 });
    expect(page.data).toEqual([{ id: roles[0]!.id, slug: 'wire-00' }, { id: roles[1]!.id, slug: 'wire-01' }]);
    expect((await get('slug=wire-03&$select[]=name&$select[]=slug')).body.data).toEqual([{ id: roles[3]!.id, name: 'Role 3', slug: 'wire-03' }]);
    expect(await admin.app.service('roles').get(roles[4]!.id, { query: { $select: ['description'] } })).toEqual({ id: roles[4]!.id, description: 'even' });
    // A field the records do not have is refused, as in the where and $sort.
    for (const qs of ['$select[]=colour', '$select[]=slug&$select[]=password', '$select[a]=b']) expect((await get(qs)).body, qs).toMatchObject({ name: 'BadRequest', code: 400 });
    expect((await req('GET', `/users?$select[]=password`, { bearer: admin.accessToken })).status).toBe(400);
  });

  it('takes $in and $nin from the official client, from hand-written brackets and with more than 20 items', async () => {
    const ids = roles.slice(0, 3).map((r) => r.id);
    expect((await find({ id: { $in: ids } })).total).toBe(3);
    expect((await find({ id: { $nin: ids } })).total).toBe(57);
    expect((await get(`id[$in][]=${ids[0]}&id[$in][]=${ids[1]}`)).body.total).toBe(2);
    expect((await get(`id[$in]=${ids[0]}`)).status).toBe(400);
    // qs reads more than 20 items as an object keyed by index (a genuine server then finds nothing); here it is still the list.
    const many = roles.slice(0, 25).map((r) => r.id);
    expect((await find({ id: { $in: many } })).total).toBe(25);
    expect((await get(many.map((id) => `id[$in][]=${id}`).join('&'))).body.total).toBe(25);
    // Past 200 items (and up to qs's 1000 parameters) the list is whole: nothing past a limit is dropped in silence.
    const padded = [...Array.from({ length: 400 }, (_, i) => 900_000 + i), ...ids];
    expect((await find({ id: { $in: padded } })).total).toBe(3);
    const tooMany = await get(Array.from({ length: 1001 }, (_, i) => `id[$in][]=${i + 1}`).join('&'));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toEqual({ name: 'BadRequest', message: 'Too many query parameters', code: 400, className: 'bad-request' });
  });

  it('finds nothing for an empty $in over the socket (qs drops an empty list from a REST query string, as with a genuine server)', async () => {
    const s = await socketAs(srv, admin.accessToken);
    try {
      expect((await s.app.service('roles').find({ query: { id: { $in: [] } } })).total).toBe(0);
      expect((await s.app.service('roles').find({ query: { id: { $nin: [] } } })).total).toBe(62);
    } finally {
      s.close();
    }
  });

  it('compares with $lt, $lte, $gt, $gte and $ne, combines with $or, matches with $like and $ilike', async () => {
    const mid = roles[30]!.id;
    expect((await find({ id: { $lt: mid } })).total).toBe(30);
    expect((await find({ id: { $lte: mid } })).total).toBe(31);
    expect((await find({ id: { $gt: mid } })).total).toBe(29);
    expect((await find({ id: { $gte: mid } })).total).toBe(30);
    expect((await find({ id: { $gt: mid, $lt: mid + 3 } })).total).toBe(2);
    expect((await find({ slug: { $ne: 'wire-00' } })).total).toBe(59);
    expect((await find({ description: null })).total).toBe(30);
    expect((await find({ description: { $ne: null } })).total).toBe(30);
    expect((await find({ $or: [{ slug: 'wire-01' }, { slug: 'wire-02' }, { id: { $gt: roles[58]!.id } }] })).total).toBe(3);
    expect((await find({ $or: [{ slug: 'wire-01' }, { $or: [{ slug: 'wire-02' }] }] })).total).toBe(2);
    expect((await find({ name: { $ilike: 'role 1%' } })).total).toBe(11);
    expect((await find({ slug: { $like: 'wire-1_' } })).total).toBe(10);
    expect((await find({ slug: { $notlike: '%0' } })).total).toBe(54);
    expect((await get(`slug[$like]=wire-%25&created_at[$lte]=${encodeURIComponent(new Date().toISOString())}`)).body.total).toBe(60);
  });

  // Store bug (reported): SQLite's LIKE ignores ASCII case, PostgreSQL's does not, so $like answers differently per engine.
  it('matches $like and $notlike case-sensitively, as PostgreSQL does', async () => {
    expect((await find({ name: { $like: 'Role 1%' } })).total).toBe(6);
    expect((await find({ name: { $notlike: 'ROLE%' } })).total).toBe(30);
  });

  it('refuses unknown operators, filters and fields with 400 in Feathers\' words', async () => {
    const regex = await get('slug[$regex]=x');
    expect(regex.status).toBe(400);
    expect(regex.body).toEqual({ name: 'BadRequest', message: 'Invalid query parameter $regex', code: 400, className: 'bad-request', data: { $regex: 'x' } });
    const nested = await get('$or[0][slug][$bad]=1');
    expect(nested.body).toMatchObject({ message: 'Invalid query parameter $bad', data: { $bad: '1' } });
    const filter = await get('$foo=1');
    expect(filter.status).toBe(400);
    expect(filter.body).toEqual({ name: 'BadRequest', message: 'Invalid filter value $foo', code: 400, className: 'bad-request' });
    for (const qs of ['colour=red', 'password=x', 'or[0][id]=1', 'and[0][id][gt]=0', 'slug[$gt]=a&name[$like]=1&nope[$in][]=1', '$or[0][colour]=1', 'id=abc', 'id[$lt]=x', 'id[$like]=1']) {
      const r = await get(qs);
      expect(r.status, qs).toBe(400);
      expect(r.body).toMatchObject({ name: 'BadRequest', code: 400, className: 'bad-request' });
    }
    await expect(find({ $regex: 'x' } as never)).rejects.toMatchObject({ name: 'BadRequest', message: 'Invalid filter value $regex' });
  });

  it('refuses PATCH and DELETE without an id (405) and PUT without one (400), as Feathers does with multi off', async () => {
    const patch = await req('PATCH', '/roles', { bearer: admin.accessToken, json: { name: 'all' } });
    expect(patch.status).toBe(405);
    expect(patch.body).toEqual({ name: 'MethodNotAllowed', message: 'Can not patch multiple entries', code: 405, className: 'method-not-allowed' });
    const remove = await req('DELETE', '/roles', { bearer: admin.accessToken });
    expect(remove.status).toBe(405);
    expect(remove.body).toEqual({ name: 'MethodNotAllowed', message: 'Can not remove multiple entries', code: 405, className: 'method-not-allowed' });
    const put = await req('PUT', '/roles', { bearer: admin.accessToken, json: { slug: 'x' } });
    expect(put.status).toBe(400);
    expect(put.body).toEqual({ name: 'BadRequest', message: "You can not replace multiple instances. Did you mean 'patch'?", code: 400, className: 'bad-request' });
    expect((await find({})).total).toBe(60);
    // Authentication runs first, as Feathers' hooks run before the adapter's multi check.
    for (const method of ['PATCH', 'DELETE']) expect((await req(method, '/roles', { json: {} })).status).toBe(401);
  });

  it('answers X-Service-Method naming no custom method with 405, the message in backticks', async () => {
    for (const [path, method] of [['roles', 'count'], ['roles', 'find'], ['users', 'create'], ['users', 'nonexistent'], ['access_groups', 'remove']]) {
      const r = await req('POST', `/${path}`, { bearer: admin.accessToken, json: {}, headers: { 'x-service-method': method! } });
      expect(r.status, `${path} ${method}`).toBe(405);
      expect(r.body).toEqual({ name: 'MethodNotAllowed', message: `Method \`${method}\` is not supported by this endpoint.`, code: 405, className: 'method-not-allowed' });
    }
  });

  it('answers socket calls to unknown services and methods with NotFound and MethodNotAllowed', async () => {
    const socket = io(srv.url, { transports: ['websocket'], forceNew: true, reconnection: false });
    const call = (...args: unknown[]) => new Promise<unknown[]>((resolve) => socket.emit(args[0] as string, ...args.slice(1), (...ack: unknown[]) => resolve(ack)));
    try {
      expect(await call('find', 'nope', {})).toEqual([{ name: 'NotFound', message: "Service 'nope' not found", code: 404, className: 'not-found' }]);
      expect(await call('count', 'roles', {}, {})).toEqual([{ name: 'MethodNotAllowed', message: "Method 'count' not allowed on service 'roles'", code: 405, className: 'method-not-allowed' }]);
      expect(await call('find', 'roles', {})).toEqual([{ name: 'NotAuthenticated', message: 'Not authenticated', code: 401, className: 'not-authenticated' }]);
    } finally {
      socket.close();
    }
    const s = await socketAs(srv, admin.accessToken);
    try {
      await expect(s.app.service('roles').patch(null, { name: 'x' })).rejects.toMatchObject({ name: 'MethodNotAllowed', message: 'Can not patch multiple entries' });
      await expect(s.app.service('roles').find({ query: { slug: { $regex: 'x' } } })).rejects.toMatchObject({ name: 'BadRequest', message: 'Invalid query parameter $regex' });
      // Over the socket, query values keep their JSON types.
      expect((await s.app.service('roles').find({ query: { id: roles[0]!.id } })).total).toBe(1);
    } finally {
      s.close();
    }
  });

  it('shows integer ids and ISO 8601 timestamps, in JSON with charset', async () => {
    const r = await req('GET', `/roles/${roles[0]!.id}`, { bearer: admin.accessToken });
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Object.keys(r.body)).toEqual(['id', 'slug', 'name', 'description', 'created_at', 'updated_at']);
    expect(Number.isInteger(r.body.id)).toBe(true);
    for (const f of ['created_at', 'updated_at']) expect(new Date(r.body[f]).toISOString()).toBe(r.body[f]);
  });

  it('refuses NUL characters, bad JSON and non-object bodies with 400, and never shows a stack', async () => {
    for (const json of [{ slug: 'nul\u0000slug' }, { slug: 'ok', name: 'a\u0000' }]) {
      const r = await req('POST', '/roles', { bearer: admin.accessToken, json });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ name: 'BadRequest', message: 'validation failed' });
    }
    expect((await get('slug=a%00b')).status).toBe(400);
    const bad = await req('POST', '/roles', { bearer: admin.accessToken, raw: '{"slug": bad json', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ name: 'BadRequest', code: 400, className: 'bad-request' });
    expect(bad.text).not.toMatch(/stack|at .*\.js/);
    const empty = await req('POST', '/roles', { bearer: admin.accessToken, raw: '', headers: { 'content-type': 'application/json' } });
    expect(empty.status).toBe(400);
    const text = await req('PATCH', `/roles/${roles[0]!.id}`, { bearer: admin.accessToken, raw: 'name=x', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBeGreaterThanOrEqual(400);
    expect(text.status).toBeLessThan(500);
  });
});
