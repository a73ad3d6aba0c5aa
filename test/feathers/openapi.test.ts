/**
 * Every REST operation of the Feathers dialect is in /openapi.json (issue 11 item 5): the
 * thirteen services of the spec and `authentication` at their paths, custom methods on the
 * collection's POST, `/auth/refresh`, and the one-time code routes at both spellings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startServer, type TestServer } from '../support/server.js';

const CRUD = { collection: ['get', 'post'], item: ['get', 'put', 'patch', 'delete'] };
const SERVICES = ['users', 'roles', 'access_scopes', 'role_access_scopes', 'user_roles', 'access_group_types', 'access_groups', 'user_group_roles', 'group_group_roles', 'oauth_providers', 'user_oauth_providers'];

describe('feathers operations in /openapi.json', () => {
  let srv: TestServer;
  let paths: Record<string, Record<string, { summary?: string }>>;
  beforeAll(async () => {
    srv = await startServer();
    paths = (await client(srv.url)('GET', '/openapi.json')).body.paths;
  });
  afterAll(async () => srv?.close());

  it('documents find, get, create, update, patch and remove of every CRUD service', () => {
    for (const s of SERVICES) {
      for (const m of CRUD.collection) expect(paths[`/${s}`]?.[m], `${m.toUpperCase()} /${s}`).toBeDefined();
      for (const m of CRUD.item) expect(paths[`/${s}/{id}`]?.[m], `${m.toUpperCase()} /${s}/{id}`).toBeDefined();
    }
  });

  it('documents authentication, sessions, events, refresh and custom methods', () => {
    expect(paths['/authentication']?.post).toBeDefined();
    expect(paths['/authentication/{id}']?.delete ?? paths['/authentication']?.delete).toBeDefined();
    expect(paths['/auth/refresh']?.post).toBeDefined();
    for (const m of ['get', 'post']) expect(paths['/auth_sessions']?.[m]).toBeDefined();
    for (const m of ['get', 'patch', 'delete']) expect(paths['/auth_sessions/{id}']?.[m]).toBeDefined();
    expect(paths['/events']?.get).toBeDefined();
    expect(paths['/events/{id}']?.get).toBeDefined();
    expect(paths['/users']?.post?.summary).toMatch(/count/);
    expect(paths['/access_groups']?.post?.summary).toMatch(/available/);
  });

  it('documents the one-time code routes at both spellings, with POST and PATCH on their parameter forms', () => {
    for (const base of ['', '/auth']) {
      for (const op of ['otp', 'verify', 'recover']) {
        expect(paths[`${base}/${op}`]?.post, `POST ${base}/${op}`).toBeDefined();
        const item = Object.keys(paths).find((p) => p.startsWith(`${base}/${op}/{`));
        expect(item, `${base}/${op}/{param}`).toBeDefined();
        expect(paths[item!]?.post).toBeDefined();
        expect(paths[item!]?.patch).toBeDefined();
      }
    }
  });
});
