/**
 * Real-time events over socket.io, heard with the official client (`service.on('created')`):
 * who hears a record's `created`, `patched`, `updated` and `removed` (administrators, holders of
 * the service's read scope, the record's owner) and who does not (other users, the anonymous,
 * a connection after sign-out or once its session has ended elsewhere).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, describeDb, type TestServer } from '../support/server.js';
import { makeAdmin, makeUser, signIn, socketAs, startFeathers, type FeathersUser } from '../support/fixtures/feathers.js';

type Sock = Awaited<ReturnType<typeof socketAs>>;
type Heard = [event: string, data: Record<string, unknown>];

/** Everything a socket hears on the given services. */
function listen(s: Sock, paths: string[]): Heard[] {
  const heard: Heard[] = [];
  for (const path of paths) for (const event of ['created', 'updated', 'patched', 'removed']) s.app.service(path).on(event, (data: Record<string, unknown>) => heard.push([`${path} ${event}`, data]));
  return heard;
}

/** Waits until `heard` holds `n` events (the test's positive control), then a little for stragglers. */
async function settle(heard: Heard[], n: number): Promise<void> {
  const until = Date.now() + 5000;
  while (heard.length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 150));
}

let n = 0;
const slug = () => `evt-${++n}`;

await describeDb('feathers real-time events', () => {
  let srv: TestServer;
  let admin: FeathersUser;
  let alice: FeathersUser;
  let bob: FeathersUser;
  const sockets: Sock[] = [];
  const open = async (token?: string) => {
    const s = await socketAs(srv, token);
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    srv = await startFeathers();
    admin = await makeAdmin(srv);
    alice = await makeUser(srv);
    bob = await makeUser(srv);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await srv?.close();
  });

  it('lets an administrator hear roles created, patched, updated and removed over REST; not a normal user, not the anonymous', async () => {
    const adminSock = await open(admin.accessToken);
    const userSock = await open(alice.accessToken);
    const anonSock = await open();
    const [a, u, anon] = [listen(adminSock, ['roles']), listen(userSock, ['roles']), listen(anonSock, ['roles'])];
    const roles = admin.app.service('roles');
    const created = await roles.create({ slug: slug(), name: 'Evented' });
    const patched = await roles.patch(created.id, { name: 'Patched' });
    const updated = await roles.update(created.id, { slug: created.slug, description: 'x' });
    const removed = await roles.remove(created.id);
    await settle(a, 4);
    expect(a).toEqual([
      ['roles created', created],
      ['roles patched', patched],
      ['roles updated', updated],
      ['roles removed', removed],
    ]);
    expect(u).toEqual([]);
    expect(anon).toEqual([]);
  });

  it('tells a user about patches of its own record and not of others\'', async () => {
    const aliceSock = await open(alice.accessToken);
    const heard = listen(aliceSock, ['users']);
    const control = listen(await open(admin.accessToken), ['users']);
    await bob.app.service('users').patch(bob.id, { first_name: 'Bob' });
    const own = await alice.app.service('users').patch(alice.id, { first_name: 'Alice' });
    await settle(control, 2);
    expect(heard).toEqual([['users patched', own]]);
    expect(control.map(([e, d]) => [e, d.id])).toEqual([
      ['users patched', bob.id],
      ['users patched', alice.id],
    ]);
  });

  it('tells an owner about roles given to it (user_roles), and no other user', async () => {
    const aliceSock = await open(alice.accessToken);
    const bobSock = await open(bob.accessToken);
    const [ha, hb] = [listen(aliceSock, ['user_roles']), listen(bobSock, ['user_roles'])];
    const role = await admin.app.service('roles').create({ slug: slug() });
    const link = await admin.app.service('user_roles').create({ user_id: alice.id, role_id: role.id });
    await settle(ha, 1);
    expect(ha).toEqual([['user_roles created', link]]);
    expect(hb).toEqual([]);
  });

  it('lets holders of a service\'s read scope hear its events, by the scope that guards it', async () => {
    const cases: [path: string, scope: string, body: () => Record<string, unknown>][] = [
      ['roles', 'roles_read', () => ({ slug: slug() })],
      ['access_scopes', 'scopes_read', () => ({ slug: slug() })],
      ['oauth_providers', 'auth_providers_read', () => ({ slug: slug(), secret: 'never-sent' })],
    ];
    for (const [path, scope, body] of cases) {
      const reader = await makeUser(srv, { scopes: [scope] });
      const heard = listen(await open(reader.accessToken), [path]);
      const created = await admin.app.service(path).create(body());
      await settle(heard, 1);
      expect(heard, path).toEqual([[`${path} created`, created]]);
      expect(JSON.stringify(heard)).not.toContain('never-sent');
    }
  });

  it('stops the events of a connection once it signs out', async () => {
    const s = await open(alice.accessToken);
    const heard = listen(s, ['users']);
    const control = listen(await open(admin.accessToken), ['users']);
    await s.app.logout();
    // Alice signs in elsewhere and patches her record: the signed-out socket must not hear it.
    const again = await signIn(srv, alice.email);
    await again.app.service('users').patch(alice.id, { locale: 'fr' });
    await settle(control, 1);
    expect(heard).toEqual([]);
  });

  it('follows roles given and taken over REST at once: a demoted administrator stops hearing, a new reader starts', async () => {
    const second = await makeAdmin(srv);
    const link = (await admin.app.service('user_roles').find({ query: { user_id: second.id } })).data[0];
    const reader = await makeUser(srv);
    const [demoted, promoted] = [listen(await open(second.accessToken), ['roles']), listen(await open(reader.accessToken), ['roles'])];
    const control = listen(await open(admin.accessToken), ['roles']);
    await admin.app.service('roles').create({ slug: slug() });
    await settle(demoted, 1);
    expect([demoted.length, promoted.length]).toEqual([1, 0]);

    await admin.app.service('user_roles').remove(link.id);
    const readers = await admin.app.service('roles').create({ slug: slug() });
    const scope = await admin.app.service('access_scopes').find({ query: { slug: 'roles_read' } });
    const scopeId = scope.data[0]?.id ?? (await admin.app.service('access_scopes').create({ slug: 'roles_read' })).id;
    const grant = await admin.app.service('role_access_scopes').create({ role_id: readers.id, access_scope_id: scopeId });
    await admin.app.service('user_roles').create({ user_id: reader.id, role_id: readers.id });
    // The channels move after the write's own event: give them a moment, as a client would.
    await new Promise((r) => setTimeout(r, 200));
    const heardBefore = control.length;
    await admin.app.service('roles').patch(readers.id, { name: 'Readers' });
    await settle(control, heardBefore + 1);
    expect(demoted).toHaveLength(1);
    expect(promoted.map(([e]) => e)).toEqual(['roles patched']);

    // Taking the scope from the role ends it for every holder.
    await admin.app.service('role_access_scopes').remove(grant.id);
    await new Promise((r) => setTimeout(r, 200));
    await admin.app.service('roles').patch(readers.id, { name: 'Readers again' });
    await settle(control, heardBefore + 2);
    expect(promoted).toHaveLength(1);
  });

  it('stops the events of a connection whose session ended elsewhere (a password change, a removed account)', async () => {
    const u = await makeUser(srv, { scopes: ['roles_read'] });
    const other = await signIn(srv, u.email);
    const heard = listen(await open(other.accessToken), ['roles']);
    const control = listen(await open(admin.accessToken), ['roles']);
    await admin.app.service('roles').create({ slug: slug() });
    await settle(heard, 1);
    expect(heard).toHaveLength(1);
    // The password change ends every other session of the account, this socket's included.
    await u.app.service('users').patch(u.id, { password: 'changed password here' });
    await admin.app.service('roles').create({ slug: slug() });
    await settle(control, 2);
    expect(heard).toHaveLength(1);

    const gone = await makeUser(srv, { scopes: ['roles_read'] });
    const goneHeard = listen(await open(gone.accessToken), ['roles']);
    expect((await client(srv.url)('DELETE', `/users/${gone.id}`, { bearer: admin.accessToken })).status).toBe(200);
    await admin.app.service('roles').create({ slug: slug() });
    await settle(control, 3);
    expect(goneHeard).toEqual([]);
  });
});
