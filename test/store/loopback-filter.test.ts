import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type Generated } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFilterParam, parseWhereParam } from '../../src/apis/arc/filter-query.js';
import { applyFilter, FilterError, type ColumnMap, type Filter } from '../../src/store/filter.js';

interface TestDb {
  clients: {
    id: Generated<number>;
    client_id: string;
    redirect_url: string | null;
    access_token_expiration: number;
    created_at: number;
    deleted_at: number | null;
    // Not in the production table; here to exercise the 'boolean' column type (stored as 0/1).
    enabled: number;
  };
}

const columns: ColumnMap = {
  id: { column: 'id', type: 'number' },
  clientId: { column: 'client_id', type: 'string' },
  redirectUrl: { column: 'redirect_url', type: 'string' },
  accessTokenExpiration: { column: 'access_token_expiration', type: 'number' },
  createdAt: { column: 'created_at', type: 'date' },
  deletedAt: { column: 'deleted_at', type: 'date' },
  enabled: { column: 'enabled', type: 'boolean' },
};

const T0 = Date.parse('2023-11-14T22:13:20.000Z'); // 1_700_000_000_000
const rows = [
  { client_id: 'mobile', redirect_url: 'https://app.example.com/cb', access_token_expiration: 3600, created_at: T0, deleted_at: null, enabled: 1 },
  { client_id: 'Web-Portal', redirect_url: 'https://portal.example.com/callback', access_token_expiration: 7200, created_at: T0 + 100_000, deleted_at: null, enabled: 1 },
  { client_id: 'cli', redirect_url: null, access_token_expiration: 60, created_at: T0 + 200_000, deleted_at: T0 + 300_000, enabled: 0 },
  { client_id: 'backend_svc', redirect_url: 'http://localhost:8080/cb', access_token_expiration: 86400, created_at: T0 + 300_000, deleted_at: null, enabled: 0 },
  { client_id: 'mobile-beta', redirect_url: 'https://beta.example.com/cb', access_token_expiration: 3600, created_at: T0 + 400_000, deleted_at: null, enabled: 1 },
  { client_id: 'WEB-admin', redirect_url: null, access_token_expiration: 1800, created_at: T0 + 500_000, deleted_at: T0 + 600_000, enabled: 1 },
];

async function createTable(db: Kysely<TestDb>, kind: 'sqlite' | 'postgres'): Promise<void> {
  await db.schema
    .createTable('clients')
    .addColumn('id', kind === 'postgres' ? 'serial' : 'integer', (c) => (kind === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('redirect_url', 'text')
    .addColumn('access_token_expiration', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .execute();
  // One row at a time so ids are 1..6 in insertion order on both engines.
  for (const row of rows) await db.insertInto('clients').values(row).execute();
}

/** The SQL behaviour, shared by the SQLite and PostgreSQL runs. */
function sqlSuite(getDb: () => Kysely<TestDb>): void {
  const query = (filter: Filter) => applyFilter(getDb().selectFrom('clients').select('id'), filter, columns);
  /** Matching ids, sorted, for filters whose order is not under test. */
  const ids = async (where: Filter['where'], rest: Omit<Filter, 'where'> = {}) =>
    (await query({ where, ...rest }).execute()).map((r) => r.id).sort((a, b) => a - b);
  const ordered = async (filter: Filter) => (await query(filter).execute()).map((r) => r.id);

  it('equality and implicit AND of several keys', async () => {
    expect(await ids({ clientId: 'mobile' })).toEqual([1]);
    expect(await ids({ accessTokenExpiration: 3600, clientId: 'mobile-beta' })).toEqual([5]);
    expect(await ids({ clientId: { eq: 'cli' } })).toEqual([3]);
    expect(await ids({ clientId: 'nope' })).toEqual([]);
  });

  it('null, eq null and neq null', async () => {
    expect(await ids({ deletedAt: null })).toEqual([1, 2, 4, 5]);
    expect(await ids({ redirectUrl: { eq: null } })).toEqual([3, 6]);
    expect(await ids({ deletedAt: { neq: null } })).toEqual([3, 6]);
    // SQL semantics, as in LoopBack's SQL connectors: NULL is neither equal nor unequal.
    expect(await ids({ redirectUrl: { neq: 'https://app.example.com/cb' } })).toEqual([2, 4, 5]);
  });

  it('gt, gte, lt, lte and several operators on one property', async () => {
    expect(await ids({ accessTokenExpiration: { gt: 3600 } })).toEqual([2, 4]);
    expect(await ids({ accessTokenExpiration: { gte: 3600 } })).toEqual([1, 2, 4, 5]);
    expect(await ids({ accessTokenExpiration: { lt: 1800 } })).toEqual([3]);
    expect(await ids({ accessTokenExpiration: { lte: 1800 } })).toEqual([3, 6]);
    expect(await ids({ accessTokenExpiration: { gt: 60, lt: 7200 } })).toEqual([1, 5, 6]);
  });

  it('between', async () => {
    expect(await ids({ accessTokenExpiration: { between: [1800, 3600] } })).toEqual([1, 5, 6]);
    expect(await ids({ createdAt: { between: [T0 + 100_000, T0 + 300_000] } })).toEqual([2, 3, 4]);
  });

  it('inq and nin, including empty lists and null members', async () => {
    expect(await ids({ id: { inq: [1, 3, 99] } })).toEqual([1, 3]);
    expect(await ids({ id: { inq: [] } })).toEqual([]);
    expect(await ids({ id: { nin: [1, 3] } })).toEqual([2, 4, 5, 6]);
    expect(await ids({ id: { nin: [] } })).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await ids({ redirectUrl: { inq: ['https://app.example.com/cb', null] } })).toEqual([1, 3, 6]);
    expect(await ids({ redirectUrl: { nin: ['https://app.example.com/cb', null] } })).toEqual([2, 4, 5]);
  });

  it('like, nlike, ilike, nilike', async () => {
    // Patterns avoid case differences: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
    expect(await ids({ clientId: { like: 'mobile%' } })).toEqual([1, 5]);
    expect(await ids({ clientId: { like: 'backend_svc' } })).toEqual([4]);
    expect(await ids({ redirectUrl: { nlike: 'https://%' } })).toEqual([4]);
    expect(await ids({ clientId: { ilike: 'web-%' } })).toEqual([2, 6]);
    expect(await ids({ clientId: { ilike: '%PORTAL' } })).toEqual([2]);
    expect(await ids({ clientId: { nilike: 'WEB%' } })).toEqual([1, 3, 4, 5]);
  });

  it('and/or nesting', async () => {
    expect(await ids({ or: [{ clientId: 'cli' }, { accessTokenExpiration: { gt: 7000 } }] })).toEqual([2, 3, 4]);
    expect(await ids({ and: [{ deletedAt: null }, { or: [{ clientId: { like: 'mobile%' } }, { id: 4 }] }] })).toEqual([1, 4, 5]);
    expect(await ids({ or: [{ and: [{ id: { gt: 4 } }, { enabled: true }] }, { id: 1 }], deletedAt: null })).toEqual([1, 5]);
    expect(await ids({ and: [] })).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await ids({ or: [] })).toEqual([]);
  });

  it('order ASC, DESC, default and arrays', async () => {
    expect(await ordered({ order: 'id DESC' })).toEqual([6, 5, 4, 3, 2, 1]);
    expect(await ordered({ order: ['accessTokenExpiration DESC', 'id'] })).toEqual([4, 2, 1, 5, 6, 3]);
    expect(await ordered({ order: ['accessTokenExpiration ASC', 'id DESC'] })).toEqual([3, 6, 5, 1, 2, 4]);
    expect(await ordered({ order: 'id' })).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await ordered({ order: 'clientId asc', where: { id: { inq: [1, 3, 4] } } })).toEqual([4, 3, 1]);
    expect(await ordered({ order: 'accessTokenExpiration, id DESC' })).toEqual([3, 6, 5, 1, 2, 4]);
    // NULLs sort as the smallest value on both engines.
    expect(await ordered({ order: ['redirectUrl ASC', 'id'] })).toEqual([3, 6, 4, 1, 5, 2]);
    expect(await ordered({ order: ['deletedAt DESC', 'id'] })).toEqual([6, 3, 1, 2, 4, 5]);
  });

  it('limit, skip and offset', async () => {
    expect(await ordered({ order: 'id', limit: 2 })).toEqual([1, 2]);
    expect(await ordered({ order: 'id', limit: 2, skip: 2 })).toEqual([3, 4]);
    expect(await ordered({ order: 'id', limit: 2, offset: 3 })).toEqual([4, 5]);
    expect(await ordered({ order: 'id', skip: 4 })).toEqual([5, 6]);
    expect(await ordered({ order: 'id', limit: 0 })).toEqual([]);
    expect(await ordered({ order: 'id', limit: 5000 })).toEqual([1, 2, 3, 4, 5, 6]);
    expect(query({ limit: 5000 }).compile().parameters).toContain(1000);
  });

  it('coerces numeric strings, boolean strings and dates', async () => {
    // Bracket query strings deliver every value as a string; the casts below mirror that.
    const s = (v: string) => v as unknown as number;
    expect(await ids({ accessTokenExpiration: { gt: '3600' } })).toEqual([2, 4]);
    expect(await ids({ id: { inq: ['2', '5'] } })).toEqual([2, 5]);
    expect(await ordered({ order: 'id', limit: s('2'), skip: s('1') })).toEqual([2, 3]);
    expect(await ids({ accessTokenExpiration: { gt: 3599.5 } })).toEqual([1, 2, 4, 5]);
    expect(await ids({ id: { lt: 99_999_999_999 } })).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await ids({ enabled: false })).toEqual([3, 4]);
    expect(await ids({ enabled: 'true', deletedAt: null })).toEqual([1, 2, 5]);
    expect(await ids({ createdAt: { gte: '2023-11-14T22:20:00Z' } })).toEqual([5, 6]);
    expect(await ids({ createdAt: { lt: String(T0 + 100_000) } })).toEqual([1]);
    expect(await ids({ createdAt: { lte: new Date(T0) } })).toEqual([1]);
  });

  it('runs a filter parsed from a bracket query string', async () => {
    const filter = parseFilterParam(
      'filter[where][or][0][clientId][like]=mobile%25&filter[where][or][1][id][inq][0]=3&filter[where][or][1][id][inq][1]=4' +
        '&filter[order][0]=accessTokenExpiration%20DESC&filter[order][1]=id&filter[limit]=3&filter[skip]=1',
    );
    expect(filter).toBeDefined();
    expect(await ordered(filter!)).toEqual([1, 5, 3]);
  });

  it('counts through clearSelect, as the repositories do', async () => {
    const q = applyFilter(getDb().selectFrom('clients'), { where: { deletedAt: null } }, columns);
    const row = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(row.n)).toBe(4);
  });
}

describe('applyFilter validation', () => {
  const db = new Kysely<TestDb>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
  afterAll(() => db.destroy());
  const bad = (filter: unknown, message?: RegExp) => {
    const run = () => applyFilter(db.selectFrom('clients').select('id'), filter as Filter, columns);
    expect(run).toThrow(FilterError);
    if (message) expect(run).toThrow(message);
  };

  it('rejects unknown properties, also in nested and/or and in order', () => {
    bad({ where: { secret: 'x' } }, /unknown property 'secret'/);
    bad({ where: { or: [{ id: 1 }, { and: [{ nope: 1 }] }] } }, /unknown property 'nope'/);
    bad({ where: JSON.parse('{"__proto__": 1}') as unknown }, /unknown property '__proto__'/);
    bad({ where: { toString: 'x' } }, /unknown property 'toString'/);
    bad({ order: 'nope DESC' }, /unknown property 'nope'/);
  });

  it('rejects unknown operators and regexp', () => {
    bad({ where: { id: { foo: 1 } } }, /unknown operator 'foo'/);
    bad({ where: { id: {} } });
    bad({ where: { clientId: { regexp: '^a' } } }, /regexp is not supported/);
    bad({ where: { clientId: { like: 'a', options: 'i' } } }, /unknown operator 'options'/);
  });

  it('rejects values of the wrong type', () => {
    bad({ where: { id: 'abc' } }, /invalid number value for 'id'/);
    bad({ where: { id: '' } });
    bad({ where: { id: Number.NaN } });
    bad({ where: { id: { gt: true } } });
    bad({ where: { clientId: 5 } }, /invalid string value/);
    bad({ where: { clientId: 'a\u0000b' } });
    bad({ where: { clientId: { eq: { nested: 1 } } } });
    bad({ where: { enabled: 'yes' } }, /invalid boolean value/);
    bad({ where: { enabled: 1 } });
    bad({ where: { createdAt: 'yesterday' } }, /invalid date value/);
    bad({ where: { createdAt: '1.5e3' } });
    bad({ where: { createdAt: '2023-13-45' } });
    bad({ where: { createdAt: true } });
    bad({ where: { id: [1, 2] } }, /needs an operator/);
    bad({ where: { id: { inq: 1 } } }, /expects an array/);
    bad({ where: { id: { nin: 'a,b' } } });
    bad({ where: { id: { inq: [1, 'x'] } } });
    bad({ where: { id: { between: [1] } } }, /two non-null values/);
    bad({ where: { id: { between: [1, null] } } });
    bad({ where: { id: { gt: null } } }, /does not accept null/);
    bad({ where: { accessTokenExpiration: { like: '1%' } } }, /only supported on string properties/);
    bad({ where: { clientId: { ilike: 5 } } });
    bad({ where: { and: { id: 1 } } }, /expects an array/);
    bad({ where: { or: [1] } }, /where must be an object/);
    bad({ where: [{ id: 1 }] }, /where must be an object/);
    bad({ where: 'id = 1' });
  });

  it('rejects bad order clauses', () => {
    bad({ order: 'id SIDEWAYS' }, /invalid order clause/);
    bad({ order: 'id ASC DESC' });
    bad({ order: '' });
    bad({ order: ['id', ''] });
    bad({ order: 'id,' });
    bad({ order: [1] }, /must be strings/);
    bad({ order: { 0: 'id' } }, /order must be a string/);
  });

  it('rejects bad limit, skip and offset', () => {
    bad({ limit: -1 }, /limit must be a non-negative integer/);
    bad({ limit: 1.5 });
    bad({ limit: '-1' });
    bad({ limit: '5x' });
    bad({ limit: '' });
    bad({ limit: true });
    bad({ skip: -3 }, /skip must be/);
    bad({ offset: 'a' }, /offset must be/);
    bad({ skip: 1, offset: 2 }, /disagree/);
  });

  it('shape-checks fields and the filter itself', () => {
    expect(() => applyFilter(db.selectFrom('clients').select('id'), { fields: { clientId: true, anything: false } }, columns)).not.toThrow();
    expect(() => applyFilter(db.selectFrom('clients').select('id'), { fields: ['clientId'] }, columns)).not.toThrow();
    bad({ fields: { clientId: 'yes' } }, /fields.clientId must be true or false/);
    bad({ fields: [1] });
    bad({ fields: 'clientId' });
    bad({ include: ['owner'] }, /include is not supported/);
    bad({ wher: {} }, /unknown filter key 'wher'/);
    bad([]);
    bad(null);
  });

  it('caps the nesting depth of where', () => {
    let where: Record<string, unknown> = { id: 1 };
    for (let i = 0; i < 40; i++) where = { and: [where] };
    bad({ where }, /nested too deeply/);
  });

  it('builds no SQL when nothing is filtered', () => {
    const { sql } = applyFilter(db.selectFrom('clients').select('id'), {}, columns).compile();
    expect(sql).toBe('select "id" from "clients"');
  });
});

describe('SQLite', () => {
  let db: Kysely<TestDb>;
  beforeAll(async () => {
    db = new Kysely<TestDb>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    await createTable(db, 'sqlite');
  });
  afterAll(() => db.destroy());
  sqlSuite(() => db);
});

const PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const pgSkipReason = await (async () => {
  const probe = new pg.Pool({ connectionString: PG_URL, connectionTimeoutMillis: 2000, max: 1 });
  try {
    await probe.query('select 1');
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    await probe.end();
  }
})();

describe.skipIf(pgSkipReason !== undefined)(`PostgreSQL${pgSkipReason ? ` (skipped: ${PG_URL} unreachable: ${pgSkipReason})` : ''}`, () => {
  const dbName = `gh_filter_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: PG_URL, max: 1 });
  let db: Kysely<TestDb>;
  beforeAll(async () => {
    // int8 columns hold epoch milliseconds, which fit a JS number exactly.
    pg.types.setTypeParser(20, Number);
    await admin.query(`create database ${dbName}`);
    const url = new URL(PG_URL);
    url.pathname = `/${dbName}`;
    db = new Kysely<TestDb>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url.toString(), max: 2 }) }) });
    await createTable(db, 'postgres');
  });
  afterAll(async () => {
    await db?.destroy();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  });
  sqlSuite(() => db);
});

describe('parseFilterParam / parseWhereParam', () => {
  const enc = (v: unknown) => encodeURIComponent(JSON.stringify(v));

  it('returns undefined when the parameter is absent or empty', () => {
    expect(parseFilterParam('')).toBeUndefined();
    expect(parseFilterParam('a=1&filterx=2&where[id]=3')).toBeUndefined();
    expect(parseFilterParam('filter=')).toBeUndefined();
    expect(parseWhereParam('filter[where][id]=1')).toBeUndefined();
  });

  it('parses the JSON form', () => {
    const f = { where: { or: [{ clientId: 'a' }, { id: { inq: [1, 2] } }] }, order: ['id DESC'], limit: 5, fields: { clientId: true } };
    expect(parseFilterParam(`filter=${enc(f)}`)).toEqual(f);
    expect(parseFilterParam(`?x=1&filter=${enc(f)}`)).toEqual(f);
    expect(parseFilterParam(`q=${enc(f)}`, 'q')).toEqual(f);
    expect(parseWhereParam(`where=${enc({ clientId: 'x' })}`)).toEqual({ clientId: 'x' });
  });

  it('parses the bracket form, with arrays for consecutive indexes only', () => {
    const q =
      'filter[where][clientId]=mobile&filter[fields][clientId]=true&filter[order][0]=id%20DESC&filter[limit]=5' +
      '&filter[where][id][inq][0]=1&filter[where][id][inq][1]=2';
    expect(parseFilterParam(q)).toEqual({
      where: { clientId: 'mobile', id: { inq: ['1', '2'] } },
      fields: { clientId: 'true' },
      order: ['id DESC'],
      limit: '5',
    });
    // Index order in the query does not matter; gaps or a missing 0 keep an object.
    expect(parseFilterParam('filter[order][1]=b&filter[order][0]=a')).toEqual({ order: ['a', 'b'] });
    expect(parseFilterParam('filter[order][1]=b')).toEqual({ order: { 1: 'b' } });
    expect(parseFilterParam('filter[x][0]=a&filter[x][2]=c')).toEqual({ x: { 0: 'a', 2: 'c' } });
    // and/or arrays of nested where objects.
    expect(parseFilterParam('filter[where][or][0][id]=1&filter[where][or][1][clientId][like]=web%25')).toEqual({
      where: { or: [{ id: '1' }, { clientId: { like: 'web%' } }] },
    });
    // Repeated keys and [] append, as qs does.
    expect(parseFilterParam('filter[where][id][inq]=1&filter[where][id][inq]=2')).toEqual({ where: { id: { inq: ['1', '2'] } } });
    expect(parseFilterParam('filter[order][]=a&filter[order][]=b')).toEqual({ order: ['a', 'b'] });
    expect(parseWhereParam('where[clientId]=x&where[id][gt]=3')).toEqual({ clientId: 'x', id: { gt: '3' } });
  });

  it('lets the JSON form win over the bracket form', () => {
    expect(parseFilterParam(`filter[limit]=9&filter=${enc({ limit: 1 })}`)).toEqual({ limit: 1 });
  });

  it('throws FilterError for bad JSON, non-objects and malformed keys', () => {
    for (const q of ['filter={bad', 'filter=[1,2]', 'filter=5', 'filter=null', 'filter=%22s%22', `filter=${enc({})}&filter=${enc({})}`]) {
      expect(() => parseFilterParam(q), q).toThrow(FilterError);
    }
    expect(() => parseWhereParam('where=[]')).toThrow(FilterError);
    expect(() => parseFilterParam('filter[0]=a')).toThrow(/must be a JSON object/);
    expect(() => parseFilterParam('filter[where]x=1')).toThrow(/malformed/);
    expect(() => parseFilterParam('filter[where][]x=1')).toThrow(/malformed/);
    expect(() => parseFilterParam('filter[][id]=1')).toThrow(/malformed/);
    expect(() => parseFilterParam('filter[where][id]=1&filter[where][id][gt]=2')).toThrow(/conflicting/);
    expect(() => parseFilterParam('filter[where][id][gt]=2&filter[where][id]=1')).toThrow(/conflicting/);
  });

  it('ignores prototype-pollution keys in both forms', () => {
    const q =
      'filter[__proto__][polluted]=1&filter[where][__proto__][polluted]=1&filter[constructor][prototype][polluted]=1' +
      '&filter[where][prototype]=1&filter[where][clientId]=a';
    const f = parseFilterParam(q)!;
    expect(f).toEqual({ where: { clientId: 'a' } });
    expect(Object.keys(f.where!)).toEqual(['clientId']);
    expect(Object.getPrototypeOf(f.where)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    const j = parseFilterParam(`filter=${encodeURIComponent('{"where":{"__proto__":{"polluted":1},"clientId":"a","constructor":{"prototype":{"polluted":1}}},"__proto__":{"limit":1}}')}`)!;
    expect(Object.keys(j)).toEqual(['where']);
    expect(Object.keys(j.where!)).toEqual(['clientId']);
    expect(Object.getPrototypeOf(j.where)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    expect(parseFilterParam('filter[__proto__][x]=1')).toBeUndefined();
  });

  it('limits depth to 8 and keys to 200 in both forms', () => {
    // Exactly 8 levels is the deepest LoopBack shape that matters: where.and[0].or[0].id.inq[0].
    const eight = 'filter[where][and][0][or][0][id][inq][0]=1';
    expect(parseFilterParam(eight)).toEqual({ where: { and: [{ or: [{ id: { inq: ['1'] } }] }] } });
    expect(() => parseFilterParam('filter[where][and][0][or][0][and][0][id][eq]=1')).toThrow(/deeper than 8/);
    expect(() => parseFilterParam(`filter=${enc({ where: { and: [{ or: [{ and: [{ id: { eq: 1 } }] }] }] } })}`)).toThrow(/deeper than 8/);
    expect(parseFilterParam(`filter=${enc({ where: { and: [{ or: [{ id: { inq: [1] } }] }] } })}`)).toBeDefined();

    const inq = (n: number) => Array.from({ length: n }, (_, i) => `filter[where][id][inq][${i}]=${i}`).join('&');
    expect((parseFilterParam(inq(197))!.where!.id as { inq: string[] }).inq).toHaveLength(197); // 197 + where + id + inq = 200
    expect(() => parseFilterParam(inq(201))).toThrow(/more than 200 keys/);
    expect(() => parseFilterParam(inq(199))).toThrow(/more than 200 keys/);
    const many = Array.from({ length: 201 }, (_, i) => i);
    expect(() => parseFilterParam(`filter=${enc({ where: { id: { inq: many } } })}`)).toThrow(/more than 200 keys/);
    expect(() => parseWhereParam(`where=${enc({ id: { inq: many } })}`)).toThrow(FilterError);
  });
});
