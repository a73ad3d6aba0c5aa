import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb, startServer, type TestServer } from '../support/server.js';
import { CoreError } from '../../src/core/errors.js';
import { FilterError } from '../../src/core/filter.js';

/** core.records: CRUD over the RBAC and OAuth-provider records the Feathers services sit on, on both engines. */
await describeDb('core.records', () => {
  let srv: TestServer;
  let rec: TestServer['core']['records'];
  let userId: number;
  let otherUserId: number;

  beforeAll(async () => {
    srv = await startServer();
    rec = srv.core.records;
    userId = (await srv.core.accounts.create({ username: 'rec-user', password: 'pw-rec-user' })).id;
    otherUserId = (await srv.core.accounts.create({ username: 'rec-other', password: 'pw-rec-other' })).id;
  });
  afterAll(() => srv?.close());

  /** The CoreError code and field a call fails with. */
  async function failure(p: Promise<unknown>): Promise<{ code: string; field?: string }> {
    try {
      await p;
    } catch (e) {
      if (e instanceof CoreError) return { code: e.code, ...(e.detail.field !== undefined && { field: e.detail.field }) };
      throw e;
    }
    throw new Error('expected a CoreError');
  }
  const db = () => srv.store.db;

  it('creates, reads, patches, replaces and removes a role, storing a missing name as the empty string ARC requires', async () => {
    const created = await rec.roles.create({ slug: 'editor', name: 'Editor', description: 'edits' });
    expect(created).toEqual({ id: expect.any(Number), slug: 'editor', name: 'Editor', description: 'edits', created_at: expect.any(Number), updated_at: expect.any(Number) });
    expect(Math.abs(created.created_at - Date.now())).toBeLessThan(5000);
    expect(await rec.roles.get(created.id)).toEqual(created);

    await new Promise((r) => setTimeout(r, 5));
    const patched = await rec.roles.patch(created.id, { description: 'edits a lot' });
    expect(patched).toMatchObject({ slug: 'editor', name: 'Editor', description: 'edits a lot', created_at: created.created_at });
    expect(patched!.updated_at).toBeGreaterThan(created.updated_at);

    const replaced = await rec.roles.update(created.id, { slug: 'editor2' });
    expect(replaced).toMatchObject({ slug: 'editor2', name: null, description: null });
    const raw = await db().selectFrom('roles').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(raw).toMatchObject({ name: '', role_type: 1 });

    expect(await rec.roles.remove(created.id)).toEqual(replaced);
    expect(await rec.roles.get(created.id)).toBeUndefined();
    expect(await rec.roles.remove(created.id)).toBeUndefined();
  });

  it('answers undefined for an unknown or impossible id on get, update, patch and remove', async () => {
    for (const id of [987654, 0, -1, 1.5, 2 ** 40, Number.NaN]) {
      expect(await rec.roles.get(id)).toBeUndefined();
      expect(await rec.roles.update(id, { slug: 'nobody' })).toBeUndefined();
      expect(await rec.roles.patch(id, { name: 'x' })).toBeUndefined();
      expect(await rec.roles.remove(id)).toBeUndefined();
      expect(await rec.groups.get(id)).toBeUndefined();
      expect(await rec.userGroupRoles.remove(id)).toBeUndefined();
    }
    expect(await rec.roles.find({ where: { slug: 'nobody' } })).toEqual({ total: 0, data: [] });
  });

  it('finds with where, order, limit and skip over record field names, counting every match', async () => {
    for (const [slug, name] of [
      ['f-alpha', 'Charlie'],
      ['f-bravo', 'Alpha'],
      ['f-charlie', 'Bravo'],
      ['f-delta', null],
    ] as const) {
      await rec.roles.create({ slug, name });
    }
    const page = await rec.roles.find({ where: { slug: { like: 'f-%' } }, order: ['name DESC'], limit: 2, skip: 1 });
    expect(page.total).toBe(4);
    expect(page.data.map((r) => r.name)).toEqual(['Bravo', 'Alpha']);
    // NULLs sort lowest (store/filter.ts): last when descending.
    expect((await rec.roles.find({ where: { slug: { like: 'f-%' } }, order: 'name DESC' })).data.map((r) => r.slug)).toEqual(['f-alpha', 'f-charlie', 'f-bravo', 'f-delta']);
    // The empty-string name reads and filters as null.
    expect((await rec.roles.find({ where: { name: null, slug: { like: 'f-%' } } })).data.map((r) => r.slug)).toEqual(['f-delta']);
    expect((await rec.roles.find({ where: { or: [{ slug: 'f-alpha' }, { name: { ilike: 'bRaVo' } }] } })).data.map((r) => r.slug)).toEqual(['f-alpha', 'f-charlie']);
    expect((await rec.roles.find({ where: { slug: { inq: ['f-bravo', 'f-delta', 'admin'] } }, order: 'id DESC' })).data.map((r) => r.slug)).toEqual(['f-delta', 'f-bravo', 'admin']);
    const ids = (await rec.roles.find({ where: { slug: { like: 'f-%' } } })).data.map((r) => r.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect((await rec.roles.find({ where: { id: { gte: ids[2] } } })).data.map((r) => r.id)).toEqual(ids.slice(2));
    expect((await rec.roles.find({ where: { created_at: { gt: Date.now() + 60_000 } } })).total).toBe(0);
  });

  it('answers limit 0 with no data and the real total', async () => {
    const page = await rec.roles.find({ where: { slug: { like: 'f-%' } }, limit: 0 });
    expect(page).toEqual({ total: 4, data: [] });
  });

  it('refuses a filter on an unknown property or with a value of the wrong type as a FilterError', async () => {
    await expect(rec.roles.find({ where: { role_type: 1 } })).rejects.toBeInstanceOf(FilterError);
    await expect(rec.roles.find({ where: { id: 'one' } })).rejects.toBeInstanceOf(FilterError);
    await expect(rec.oauthProviders.find({ where: { secret: 'x' } })).rejects.toBeInstanceOf(FilterError);
    await expect(rec.roles.find({ order: 'secret ASC' })).rejects.toBeInstanceOf(FilterError);
  });

  it('refuses bad input with invalid_input naming the field, and writes nothing', async () => {
    const before = (await rec.roles.find({ limit: 0 })).total;
    expect(await failure(rec.roles.create({} as never))).toEqual({ code: 'invalid_input', field: 'slug' });
    expect(await failure(rec.roles.create({ slug: '' }))).toEqual({ code: 'invalid_input', field: 'slug' });
    expect(await failure(rec.roles.create({ slug: '   ' }))).toEqual({ code: 'invalid_input', field: 'slug' });
    expect(await failure(rec.roles.create({ slug: 'x'.repeat(256) }))).toEqual({ code: 'invalid_input', field: 'slug' });
    expect(await failure(rec.roles.create({ slug: 'a\u0000b' }))).toEqual({ code: 'invalid_input', field: 'slug' });
    expect(await failure(rec.roles.create({ slug: 'ok', name: 7 as never }))).toEqual({ code: 'invalid_input', field: 'name' });
    expect(await failure(rec.roles.create(null as never))).toEqual({ code: 'invalid_input' });
    expect(await failure(rec.roles.create([] as never))).toEqual({ code: 'invalid_input' });
    const admin = (await rec.roles.find({ where: { slug: 'admin' } })).data[0]!;
    expect(await failure(rec.roles.patch(admin.id, { slug: null as never }))).toEqual({ code: 'invalid_input', field: 'slug' });
    expect(await failure(rec.roles.update(admin.id, { name: 'no slug' } as never))).toEqual({ code: 'invalid_input', field: 'slug' });
    expect(await failure(rec.userRoles.create({ user_id: '1' as never, role_id: admin.id }))).toEqual({ code: 'invalid_input', field: 'user_id' });
    expect(await failure(rec.userRoles.create({ user_id: 2 ** 40, role_id: admin.id }))).toEqual({ code: 'invalid_input', field: 'user_id' });
    expect(await failure(rec.oauthProviders.create({ slug: 'p', nonce: 'yes' as never }))).toEqual({ code: 'invalid_input', field: 'nonce' });
    expect((await rec.roles.find({ limit: 0 })).total).toBe(before);
    expect((await rec.roles.get(admin.id))?.slug).toBe('admin');
  });

  it('refuses a slug that exists with taken, on create and on patch, leaving both records as they were', async () => {
    const a = await rec.roles.create({ slug: 'dup-a', name: 'A' });
    const b = await rec.roles.create({ slug: 'dup-b', name: 'B' });
    expect(await failure(rec.roles.create({ slug: 'dup-a' }))).toEqual({ code: 'taken', field: 'slug' });
    expect(await failure(rec.roles.patch(b.id, { slug: 'dup-a', name: 'changed' }))).toEqual({ code: 'taken', field: 'slug' });
    expect(await rec.roles.get(b.id)).toEqual(b);
    expect(await rec.roles.get(a.id)).toEqual(a);
    const t = await rec.groupTypes.create({ slug: 'dup-type' });
    expect(await failure(rec.groupTypes.create({ slug: 'dup-type' }))).toEqual({ code: 'taken', field: 'slug' });
    expect(await failure(rec.accessScopes.create({ slug: 'NotAllowed' }))).toEqual({ code: 'taken', field: 'slug' });
    await rec.groups.create({ type_id: t.id, slug: 'dup-group' });
    expect(await failure(rec.groups.create({ type_id: t.id, slug: 'dup-group' }))).toEqual({ code: 'taken', field: 'slug' });
  });

  it('keeps an access scope slug in scopes.name (the ARC permission) and its name in scopes.label', async () => {
    const s = await rec.accessScopes.create({ slug: 'reports_read', name: 'Reports read', description: '' });
    expect(s).toMatchObject({ slug: 'reports_read', name: 'Reports read', description: '' });
    const raw = await db().selectFrom('scopes').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow();
    expect(raw).toMatchObject({ name: 'reports_read', label: 'Reports read' });
    expect((await rec.accessScopes.find({ where: { name: 'Reports read' } })).data).toEqual([s]);
    expect((await rec.accessScopes.find({ where: { slug: 'NotAllowed' } })).data[0]).toMatchObject({ slug: 'NotAllowed', name: null });
    expect(await rec.accessScopes.patch(s.id, { slug: 'reports_view' })).toMatchObject({ slug: 'reports_view', name: 'Reports read' });
  });

  it('links roles and access scopes, refusing missing ids with invalid_input and a pair twice with taken', async () => {
    const role = await rec.roles.create({ slug: 'ras-role' });
    const scope = await rec.accessScopes.create({ slug: 'ras_scope' });
    const scope2 = await rec.accessScopes.create({ slug: 'ras_scope2' });
    const link = await rec.roleAccessScopes.create({ role_id: role.id, access_scope_id: scope.id });
    expect(link).toEqual({ id: expect.any(Number), role_id: role.id, access_scope_id: scope.id, created_at: expect.any(Number), updated_at: expect.any(Number) });
    expect(await failure(rec.roleAccessScopes.create({ role_id: role.id, access_scope_id: scope.id }))).toEqual({ code: 'taken', field: 'access_scope_id' });
    expect(await failure(rec.roleAccessScopes.create({ role_id: 999999, access_scope_id: scope.id }))).toEqual({ code: 'invalid_input', field: 'role_id' });
    expect(await failure(rec.roleAccessScopes.create({ role_id: role.id, access_scope_id: 999999 }))).toEqual({ code: 'invalid_input', field: 'access_scope_id' });
    expect(await failure(rec.roleAccessScopes.patch(link.id, { access_scope_id: 999999 }))).toEqual({ code: 'invalid_input', field: 'access_scope_id' });
    expect(await rec.roleAccessScopes.patch(link.id, { access_scope_id: scope2.id })).toMatchObject({ role_id: role.id, access_scope_id: scope2.id });
    expect((await rec.roleAccessScopes.find({ where: { role_id: role.id } })).data.map((l) => l.access_scope_id)).toEqual([scope2.id]);
    // Removing a role takes its links along (ON DELETE CASCADE).
    await rec.roles.remove(role.id);
    expect(await rec.roleAccessScopes.get(link.id)).toBeUndefined();
  });

  it('gives global roles to live accounts only, once each', async () => {
    const role = await rec.roles.create({ slug: 'ur-role' });
    const ur = await rec.userRoles.create({ user_id: userId, role_id: role.id });
    expect(ur).toMatchObject({ user_id: userId, role_id: role.id });
    expect(await failure(rec.userRoles.create({ user_id: userId, role_id: role.id }))).toEqual({ code: 'taken', field: 'role_id' });
    expect(await failure(rec.userRoles.create({ user_id: 999999, role_id: role.id }))).toEqual({ code: 'invalid_input', field: 'user_id' });
    const gone = await srv.core.accounts.create({ username: 'rec-gone', password: 'pw-rec-gone' });
    await srv.core.accounts.remove(gone);
    expect(await failure(rec.userRoles.create({ user_id: gone.id, role_id: role.id }))).toEqual({ code: 'invalid_input', field: 'user_id' });
    expect(await rec.userRoles.update(ur.id, { user_id: otherUserId, role_id: role.id })).toMatchObject({ user_id: otherUserId });
    expect(await rec.userRoles.remove(ur.id)).toMatchObject({ id: ur.id, user_id: otherUserId });
  });

  it('stores an OAuth provider secret sealed, never returns it, and hands it to secretOf only', async () => {
    const created = await rec.oauthProviders.create({ slug: 'github', name: 'GitHub', key: 'gh-key', secret: 'gh-secret-1', scope: 'read:user', nonce: true });
    expect(created).toEqual({ id: expect.any(Number), slug: 'github', name: 'GitHub', key: 'gh-key', scope: 'read:user', nonce: true, created_at: expect.any(Number), updated_at: expect.any(Number) });
    expect(created).not.toHaveProperty('secret');
    expect(created).not.toHaveProperty('secret_enc');
    const sealed = async () => (await db().selectFrom('oauth_providers').select('secret_enc').where('id', '=', created.id).executeTakeFirstOrThrow()).secret_enc;
    const stored = await sealed();
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain('gh-secret-1');
    expect(await rec.oauthProviders.secretOf('github')).toBe('gh-secret-1');
    expect(await rec.oauthProviders.secretOf('gitlab')).toBeUndefined();

    for (const r of [await rec.oauthProviders.get(created.id), (await rec.oauthProviders.find({ where: { slug: 'github' } })).data[0]]) {
      expect(r).toEqual(created);
    }
    // A read-modify-write (update without the secret it never saw) keeps the secret.
    const updated = await rec.oauthProviders.update(created.id, { slug: 'github', name: 'GitHub.com', nonce: false });
    expect(updated).toMatchObject({ name: 'GitHub.com', key: null, scope: null, nonce: false });
    expect(updated).not.toHaveProperty('secret');
    expect(await rec.oauthProviders.secretOf('github')).toBe('gh-secret-1');
    const patched = await rec.oauthProviders.patch(created.id, { secret: 'gh-secret-2', nonce: null });
    expect(patched).toMatchObject({ nonce: null });
    expect(patched).not.toHaveProperty('secret');
    expect(await rec.oauthProviders.secretOf('github')).toBe('gh-secret-2');
    await rec.oauthProviders.patch(created.id, { secret: null });
    expect(await sealed()).toBeNull();
    expect(await rec.oauthProviders.secretOf('github')).toBeUndefined();

    await rec.oauthProviders.create({ slug: 'google', nonce: true });
    expect((await rec.oauthProviders.find({ where: { nonce: true } })).data.map((p) => p.slug)).toEqual(['google']);
    expect(await failure(rec.oauthProviders.create({ slug: 'google' }))).toEqual({ code: 'taken', field: 'slug' });
    const removed = await rec.oauthProviders.remove(created.id);
    expect(removed).toMatchObject({ slug: 'github' });
    expect(removed).not.toHaveProperty('secret');
  });

  it('links accounts to providers as identities (slug = provider, sub = subject), one account per subject', async () => {
    const link = await rec.userOAuthProviders.create({ user_id: userId, slug: 'github', sub: '4593184' });
    expect(link).toEqual({ id: expect.any(Number), user_id: userId, slug: 'github', sub: '4593184', created_at: expect.any(Number), updated_at: expect.any(Number) });
    const raw = await db().selectFrom('identities').selectAll().where('id', '=', link.id).executeTakeFirstOrThrow();
    expect(raw).toMatchObject({ provider: 'github', subject: '4593184', user_id: userId });
    expect(await srv.core.accounts.identities(userId)).toEqual([{ provider: 'github', subject: '4593184' }]);
    expect(await failure(rec.userOAuthProviders.create({ user_id: otherUserId, slug: 'github', sub: '4593184' }))).toEqual({ code: 'taken', field: 'sub' });
    expect(await failure(rec.userOAuthProviders.create({ user_id: 999999, slug: 'github', sub: 'x' }))).toEqual({ code: 'invalid_input', field: 'user_id' });
    expect(await failure(rec.userOAuthProviders.create({ user_id: userId, slug: 'github' } as never))).toEqual({ code: 'invalid_input', field: 'sub' });
    expect(await rec.userOAuthProviders.patch(link.id, { user_id: otherUserId })).toMatchObject({ user_id: otherUserId, slug: 'github', sub: '4593184' });
    expect((await rec.userOAuthProviders.find({ where: { user_id: otherUserId } })).data.map((l) => l.sub)).toEqual(['4593184']);
    expect(await rec.userOAuthProviders.remove(link.id)).toMatchObject({ id: link.id });
    expect(await srv.core.accounts.identities(otherUserId)).toEqual([]);
  });

  it('keeps the slugs seeding finds again: the built-in roles and the default group are not renamed or removed (conflict)', async () => {
    for (const slug of ['admin', 'user']) {
      const role = (await rec.roles.find({ where: { slug } })).data[0]!;
      expect(await failure(rec.roles.patch(role.id, { slug: `${slug}-renamed` }))).toEqual({ code: 'conflict' });
      expect(await failure(rec.roles.remove(role.id))).toEqual({ code: 'conflict' });
      // Its name and description may change.
      expect(await rec.roles.patch(role.id, { slug, description: 'built in' })).toMatchObject({ slug, description: 'built in' });
    }
    const def = (await rec.groups.find({ where: { slug: 'default' } })).data[0]!;
    expect(await failure(rec.groups.patch(def.id, { slug: 'main' }))).toEqual({ code: 'conflict' });
    expect(await failure(rec.groups.update(def.id, { type_id: def.type_id! }))).toEqual({ code: 'conflict' });
    expect(await rec.groups.patch(def.id, { name: 'Main tenant' })).toMatchObject({ slug: 'default', name: 'Main tenant' });
  });

  it('writes nothing when two creates of one slug race: one wins, the other is taken', async () => {
    const results = await Promise.allSettled([rec.roles.create({ slug: 'race' }), rec.roles.create({ slug: 'race' })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(CoreError);
    expect((lost.reason as CoreError).code).toBe('taken');
    expect((await rec.roles.find({ where: { slug: 'race' } })).total).toBe(1);
  });
});
