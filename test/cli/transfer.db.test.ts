import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, describeDb, startServer, type TestServer } from '../support/server.js';
import { WEB_CLIENT } from '../support/fixtures/arc.js';
import { ImportRejected, type UserRecord } from '../../src/core/accounts/transfer.js';

const lines = (records: object[]) => records.map((r) => JSON.stringify(r));
const collect = async (src: TestServer) => {
  const out: UserRecord[] = [];
  for await (const r of src.core.transfer.exportRecords()) out.push(r);
  return out;
};
const rejected = async (p: Promise<unknown>) => {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(ImportRejected);
  return (e as ImportRejected).problems;
};

await describeDb('user export and import (core, both engines)', () => {
  let src: TestServer;
  let dst: TestServer;

  beforeAll(async () => {
    [src, dst] = await Promise.all([startServer(), startServer()]);
    for (const s of [src, dst]) await s.core.clients.create(WEB_CLIENT);
    const web = await src.core.clients.byClientId('web');
    await src.core.accounts.create({
      username: 'Alice',
      password: 'alice-pw',
      email: 'alice@example.com',
      firstName: 'Alice',
      lastName: 'Liddell',
      dob: '1990-01-02',
      roles: ['admin'],
      permissions: ['Extra'],
      clientIds: [web?.id ?? 0],
    });
    const bob = await src.core.accounts.create({ username: 'bob', password: 'bob-pw', status: 2 });
    await src.store.db.insertInto('user_roles').values({ user_id: bob.id, role_id: (await src.store.rbac.roleId(src.store.db, 'user')) ?? 0, created_at: 1, updated_at: 1 }).execute();
  });
  afterAll(async () => {
    await Promise.all([src.close(), dst.close()]);
  });

  it('an export read back into another server keeps hashes, uuids, status, roles, clients and overrides; users sign in with their old passwords', async () => {
    const exported = await collect(src);
    expect(exported.map((r) => r.username)).toEqual(['Alice', 'bob']);
    const alice = exported[0] as UserRecord;
    expect(alice).toMatchObject({ email: 'alice@example.com', status: 'active', roles: ['admin'], clients: ['web'], permissions: ['Extra'], dob: '1990-01-02', password_hash: expect.stringMatching(/^\$argon2id\$/) });
    expect(exported[1]).toMatchObject({ status: 'inactive', global_roles: ['user'] });

    expect(await dst.core.transfer.importLines(lines(exported))).toEqual({ created: 2, updated: 0, skipped: 0, dryRun: false });
    const back = await collect(dst);
    // Everything but the creation (the import's) matches, the hash included.
    expect(back).toEqual(exported);
    const r = await client(dst.url)('POST', '/auth/login-token', { json: { client_id: 'web', client_secret: 'test', username: 'alice', password: 'alice-pw' } });
    expect(r.status).toBe(200);
  });

  it('importing the same file again changes nothing; with update, existing users take the file values', async () => {
    const exported = await collect(src);
    expect(await dst.core.transfer.importLines(lines(exported))).toEqual({ created: 0, updated: 0, skipped: 2, dryRun: false });
    const changed = exported.map((r) => (r.username === 'bob' ? { ...r, status: 'active', first_name: 'Robert' } : r));
    expect(await dst.core.transfer.importLines(lines(changed), { dryRun: true, update: true })).toEqual({ created: 0, updated: 2, skipped: 0, dryRun: true });
    expect((await dst.core.accounts.byUsername('bob'))?.status).toBe(2);
    expect(await dst.core.transfer.importLines(lines(changed), { update: true })).toEqual({ created: 0, updated: 2, skipped: 0, dryRun: false });
    expect(await dst.core.accounts.byUsername('bob')).toMatchObject({ status: 1, first_name: 'Robert' });
  });

  it('bcrypt hashes of the originals ($2a$, $2b$, $2y$) sign in through ARC, basic and Feathers, then become argon2id', async () => {
    const hash = (pw: string, prefix: string) => bcrypt.hashSync(pw, 4).replace(/^\$2[aby]\$/, prefix);
    const file = [
      { username: 'arc_user', email: 'arc@example.com', password_hash: hash('Arc-pw1!', '$2b$'), clients: ['web'], status: 1 },
      { username: 'basic@example.com', email: 'basic@example.com', name: 'Basic User', bio: null, password_hash: hash('Basic-pw1!', '$2a$') },
      { username: 'feathers', email: 'feathers@example.com', password_hash: hash('Feathers-pw1!', '$2y$'), email_verified: true },
    ];
    expect(await dst.core.transfer.importLines(lines(file))).toMatchObject({ created: 3 });
    const req = client(dst.url);
    expect((await req('POST', '/auth/login-token', { json: { client_id: 'web', client_secret: 'test', username: 'arc_user', password: 'Arc-pw1!' } })).status).toBe(200);
    expect((await req('POST', '/auth/login', { json: { email: 'basic@example.com', password: 'Basic-pw1!' } })).status).toBe(200);
    expect((await req('POST', '/authentication', { json: { strategy: 'local', email: 'feathers@example.com', password: 'Feathers-pw1!' } })).status).toBe(201);
    for (const name of ['arc_user', 'basic@example.com', 'feathers']) {
      const u = await dst.core.accounts.byUsername(name);
      expect(await dst.store.users.passwordHash(u?.id ?? 0)).toMatch(/^\$argon2id\$/);
    }
    expect((await dst.core.accounts.byUsername('feathers'))?.email_verified_at).toEqual(expect.any(Number));
  });

  it('refuses the whole file, naming each bad line, and writes nothing', async () => {
    const before = await collect(dst);
    const problems = await rejected(
      dst.core.transfer.importLines([
        JSON.stringify({ username: 'new1', email: 'new1@example.com' }),
        '{"username": "broken"',
        JSON.stringify({ username: 'new2', pasword_hash: 'x' }),
        '',
        JSON.stringify({ username: 'new3', password_hash: '$2b$10$short' }),
        JSON.stringify({ username: 'new4', roles: ['editor'], clients: ['nope'] }),
        JSON.stringify({ username: 'NEW1' }),
        JSON.stringify({ username: 'new5', status: 'sleeping', email: 'not-an-email' }),
        JSON.stringify({ username: 'arc_user', email: 'basic@example.com' }),
      ]),
    );
    expect(problems).toEqual([
      { line: 2, message: 'not a JSON object (each line holds one user)' },
      { line: 3, message: 'unknown field "pasword_hash" (did you mean "password_hash"?)' },
      { line: 5, message: 'password_hash is not an argon2 or bcrypt ($2a$/$2b$/$2y$) hash' },
      { line: 6, message: 'unknown role "editor"' },
      { line: 6, message: 'unknown client "nope"' },
      { line: 7, message: 'username new1 is also on line 1' },
      { line: 8, message: 'email is not valid' },
      { line: 9, message: "the username is account arc_user's and the email account basic@example.com's" },
    ]);
    expect(JSON.stringify(problems)).not.toContain('$2b$10$short');
    expect(await collect(dst)).toEqual(before);
  });

  it('a failure while writing rolls back every line before it', async () => {
    const before = await collect(dst);
    const taken = (await dst.core.accounts.byUsername('alice'))?.uuid;
    expect(await rejected(dst.core.transfer.importLines([JSON.stringify({ username: 'fine0' }), JSON.stringify({ username: 'thief', uuid: taken })]))).toEqual([
      { line: 2, message: `uuid ${taken} belongs to another account` },
    ]);
    // A write that fails after the checks passed (a database error, a race): line 1 is undone too.
    const repo = dst.store.transfer;
    const original = repo.setGlobalRoles;
    repo.setGlobalRoles = async () => {
      throw new Error('disk full');
    };
    try {
      await expect(dst.core.transfer.importLines(lines([{ username: 'fine1' }, { username: 'fine2', global_roles: ['user'] }]))).rejects.toThrow('disk full');
    } finally {
      repo.setGlobalRoles = original;
    }
    expect(await collect(dst)).toEqual(before);
  });

  it('creates missing roles when asked, and an update that blocks an account ends its sessions', async () => {
    expect(await dst.core.transfer.importLines(lines([{ username: 'editor1', roles: ['editor'], global_roles: ['reviewer'], password_hash: bcrypt.hashSync('Ed-pw1!x', 4) }]), { createRoles: true })).toMatchObject({ created: 1 });
    const exported = (await collect(dst)).find((r) => r.username === 'editor1');
    expect(exported).toMatchObject({ roles: ['editor'], global_roles: ['reviewer'] });
    const req = client(dst.url);
    const login = await req('POST', '/auth/login-token', { json: { client_id: 'web', client_secret: 'test', username: 'arc_user', password: 'Arc-pw1!' } });
    const refresh = login.body.refreshToken as string;
    await dst.core.transfer.importLines(lines([{ username: 'arc_user', status: 'inactive' }]), { update: true });
    const r = await req('POST', '/auth/token-refresh', { json: { refreshToken: refresh }, bearer: login.body.accessToken });
    expect(r.status).toBe(401);
  });

  it('lists accounts with status names, roles and clients, never a hash', async () => {
    const list = await src.core.userAdmin.list();
    expect(list).toEqual([
      { id: expect.any(String), username: 'Alice', email: 'alice@example.com', status: 'active', roles: ['admin'], clients: ['web'] },
      { id: expect.any(String), username: 'bob', email: null, status: 'inactive', roles: ['user'], clients: [] },
    ]);
  });
});

describe('user records', () => {
  it('accept ARC status numbers and epoch milliseconds', async () => {
    const { parseRecord } = await import('../../src/core/accounts/user-records.js');
    const r = parseRecord(JSON.stringify({ username: 'x', status: 3, created_at: 1700000000000, email_verified_at: '2024-01-01T00:00:00Z' }), 1);
    expect(r.columns.status).toBe(3);
    expect(r.createdAt).toBe(1700000000000);
    expect(r.emailVerified).toEqual({ at: Date.parse('2024-01-01T00:00:00Z') });
    expect(() => parseRecord(JSON.stringify({ username: 'x', status: 'toString' }), 1)).toThrow(/status must be one of/);
  });
});
