/**
 * GET /users/:id reads through the account cache: every way an account changes, in any dialect
 * or in the store beneath them, shows on the next read, and a removed account is gone at once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, describeDb, type TestServer } from '../support/server.js';
import { makeUser, startFeathers, type FeathersUser } from '../support/fixtures/feathers.js';

await describeDb('feathers users get is never stale', () => {
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  let u: FeathersUser;
  const get = async () => req('GET', `/users/${u.id}`, { bearer: u.accessToken });

  beforeAll(async () => {
    srv = await startFeathers();
    req = client(srv.url);
    u = await makeUser(srv, { fields: { first_name: 'Before' } });
  });
  afterAll(async () => srv?.close());

  it('shows a change made through the service', async () => {
    expect((await get()).body.first_name).toBe('Before');
    await u.app.service('users').patch(u.id, { first_name: 'Patched' });
    expect((await get()).body.first_name).toBe('Patched');
  });

  it('shows a change made beneath the dialect (another dialect writes through the same store)', async () => {
    await get();
    await srv.store.users.update(u.id, { first_name: 'Elsewhere' }, Date.now());
    expect((await get()).body.first_name).toBe('Elsewhere');
    await srv.store.users.markAddressVerified(u.id, 'email', u.email.toLowerCase(), Date.UTC(2026, 0, 1));
    expect((await get()).body.email_verified_at).toBe('2026-01-01T00:00:00.000Z');
  });

  it('answers 404 for an account removed after it was read', async () => {
    const other = await makeUser(srv);
    expect((await req('GET', `/users/${other.id}`, { bearer: other.accessToken })).status).toBe(200);
    await srv.store.users.softDelete(other.id, Date.now());
    const r = await req('GET', `/users/${other.id}`, { bearer: other.accessToken });
    // The token of a removed account no longer authenticates; either way the record is not shown.
    expect([401, 404]).toContain(r.status);
    expect(r.text).not.toContain(other.email);
  });
});
