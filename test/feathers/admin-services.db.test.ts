/**
 * The admin console's Feathers services (admin_users, admin_arc_clients, admin_oauth2_clients,
 * admin_config): administrators only (401 without a token, 403 for anyone else, whatever the
 * console shows), validated input in the Feathers error envelope, secrets answered once, and the
 * operations doing what they say in every dialect (disable, sign out everywhere, allow and remove
 * a client, edit a client and rotate its secret).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, describeDb, startServer, type TestServer } from '../support/server.js';

const OAUTH2_CONFIG_CLIENT = { secret: 'config-client-secret-123', name: 'Configured', redirecturi: 'https://app.example/cb', scopes: ['a'] };

await describeDb('feathers admin services', () => {
  let srv: TestServer;
  let req: ReturnType<typeof client>;
  let root = '';
  let plain = '';

  /**
   * Ending an account's access cuts off every token issued before the next whole second (core:
   * tokens carry their time in seconds), so a sign-in in that same second is refused too: wait.
   */
  const nextSecond = () => new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));
  const signIn = async (username: string, password: string) => {
    const r = await req('POST', '/authentication', { json: { strategy: 'local', username, password } });
    return { status: r.status, token: r.body?.accessToken as string };
  };

  beforeAll(async () => {
    srv = await startServer({ oauth2AllowCredentials: true, oauth2Clients: { configured: OAUTH2_CONFIG_CLIENT } });
    req = client(srv.url);
    await srv.core.accounts.create({ username: 'root', password: 'root-pass-1', roles: ['admin'] });
    await srv.core.accounts.create({ username: 'plain', password: 'plain-pass-1' });
    root = (await signIn('root', 'root-pass-1')).token;
    plain = (await signIn('plain', 'plain-pass-1')).token;
  });
  afterAll(async () => srv?.close());

  it('refuses anonymous callers (401) and non-administrators (403) on every method', async () => {
    const calls: [string, string, unknown?, Record<string, string>?][] = [
      ['GET', '/admin_users'],
      ['GET', '/admin_users/1'],
      ['POST', '/admin_users', { username: 'x', password: 'x-pass-123' }],
      ['PATCH', '/admin_users/1', { disabled: true }],
      ['POST', '/admin_users', { id: 1 }, { 'x-service-method': 'signOut' }],
      ['POST', '/admin_users', { id: 1, clientId: 1 }, { 'x-service-method': 'allowClient' }],
      ['POST', '/admin_users', { id: 1, clientId: 1 }, { 'x-service-method': 'disallowClient' }],
      ['GET', '/admin_arc_clients'],
      ['POST', '/admin_arc_clients', { clientId: 'evil' }],
      ['PATCH', '/admin_arc_clients/1', { rotateSecret: true }],
      ['DELETE', '/admin_arc_clients/1'],
      ['GET', '/admin_oauth2_clients'],
      ['POST', '/admin_oauth2_clients', { clientId: 'evil', name: 'Evil', redirectUris: ['https://evil.example/cb'] }],
      ['PATCH', '/admin_oauth2_clients/configured', { name: 'Evil', rotateSecret: true }],
      ['DELETE', '/admin_oauth2_clients/configured'],
      ['GET', '/admin_config'],
    ];
    for (const [method, path, json, headers] of calls) {
      const anon = await req(method, path, { json, headers });
      expect(anon.status, `anonymous ${method} ${path}`).toBe(401);
      expect(anon.body).toMatchObject({ name: 'NotAuthenticated', code: 401, className: 'not-authenticated' });
      const r = await req(method, path, { json, headers, bearer: plain });
      expect(r.status, `non-admin ${method} ${path}`).toBe(403);
      expect(r.body).toMatchObject({ name: 'Forbidden', code: 403 });
    }
    // Nothing was changed by the refused calls.
    expect((await srv.core.accounts.byUsername('root'))!.status).toBe(1);
    expect(await srv.core.clients.byClientId('evil')).toBeUndefined();
    expect(await srv.core.oauth2.clientInfo('evil')).toBeUndefined();
    expect((await srv.core.oauth2.clientInfo('configured'))!.name).toBe('Configured');
    expect(await srv.core.accounts.byUsername('x')).toBeUndefined();
  });

  it('lets a full_access holder in without the admin role', async () => {
    await srv.core.accounts.create({ username: 'scoped', password: 'scoped-pass-1' });
    const scoped = (await srv.core.accounts.byUsername('scoped'))!;
    const [full] = (await srv.core.records.accessScopes.find({ where: { slug: 'full_access' } })).data;
    const role = await srv.core.records.roles.create({ slug: 'operators', name: 'Operators' } as never);
    await srv.core.records.roleAccessScopes.create({ role_id: role.id, access_scope_id: full!.id } as never);
    await srv.core.records.userRoles.create({ user_id: scoped.id, role_id: role.id } as never);
    const token = (await signIn('scoped', 'scoped-pass-1')).token;
    expect((await req('GET', '/admin_config', { bearer: token })).status).toBe(200);
  });

  it('creates, searches, edits, disables and enables accounts; validation errors are Feathers BadRequest', async () => {
    const bad = await req('POST', '/admin_users', { bearer: root, json: { username: 'x', password: 'p', extra: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ name: 'BadRequest', code: 400 });
    const made = await req('POST', '/admin_users', { bearer: root, json: { username: 'dora', email: 'dora@example.com', password: 'dora-pass-1', roles: ['admin'] } });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ username: 'dora', email: 'dora@example.com', roles: ['admin'], disabled: false, status: 'active' });
    expect(JSON.stringify(made.body)).not.toMatch(/hash|dora-pass-1/);
    const dup = await req('POST', '/admin_users', { bearer: root, json: { username: 'dora', password: 'dora-pass-1' } });
    expect(dup.status).toBe(409);
    const found = await req('GET', '/admin_users?q=DORA@', { bearer: root });
    expect(found.body).toMatchObject({ total: 1, data: [{ username: 'dora' }] });
    const patched = await req('PATCH', `/admin_users/${made.body.id}`, { bearer: root, json: { email: 'dora2@example.com', roles: ['user'] } });
    expect(patched.body).toMatchObject({ email: 'dora2@example.com', roles: ['user'] });

    const session = await signIn('dora', 'dora-pass-1');
    expect(session.status).toBe(201);
    const off = await req('PATCH', `/admin_users/${made.body.id}`, { bearer: root, json: { disabled: true } });
    expect(off.body).toMatchObject({ disabled: true, status: 'inactive' });
    expect((await signIn('dora', 'dora-pass-1')).status).toBe(401);
    // Disabling ended the session it had.
    expect((await req('GET', `/users/${made.body.id}`, { bearer: session.token })).status).toBe(401);
    const on = await req('PATCH', `/admin_users/${made.body.id}`, { bearer: root, json: { disabled: false } });
    expect(on.body).toMatchObject({ disabled: false, status: 'active' });
    await nextSecond();
    expect((await signIn('dora', 'dora-pass-1')).status).toBe(201);

    // A new password works at once and the old one no longer does.
    await req('PATCH', `/admin_users/${made.body.id}`, { bearer: root, json: { password: 'dora-pass-2' } });
    await nextSecond();
    expect((await signIn('dora', 'dora-pass-1')).status).toBe(401);
    expect((await signIn('dora', 'dora-pass-2')).status).toBe(201);
  });

  it('signs an account out everywhere, and audits it', async () => {
    const u = (await req('POST', '/admin_users', { bearer: root, json: { username: 'eve', password: 'eve-pass-1' } })).body;
    const s = await signIn('eve', 'eve-pass-1');
    expect((await req('GET', `/users/${u.id}`, { bearer: s.token })).status).toBe(200);
    const r = await req('POST', '/admin_users', { bearer: root, json: { id: u.id }, headers: { 'x-service-method': 'signOut' } });
    expect(r.status).toBe(200);
    expect((await req('GET', `/users/${u.id}`, { bearer: s.token })).status).toBe(401);
    const events = await req('GET', `/events?user_id=${u.id}&source_table=account`, { bearer: root });
    expect(events.body.data.map((e: { custom_event: string }) => e.custom_event)).toContain('Signed out everywhere by an administrator');
  });

  it('answers an ARC client secret once (create, rotate), never in listings; the client works in ARC', async () => {
    const made = await req('POST', '/admin_arc_clients', { bearer: root, json: { clientId: 'web-app', redirectUrl: 'https://app.example/' } });
    expect(made.status).toBe(201);
    const secret = made.body.clientSecret as string;
    expect(secret.length).toBeGreaterThanOrEqual(24);
    const list = await req('GET', '/admin_arc_clients', { bearer: root });
    expect(list.text).not.toContain(secret);
    expect(list.body.data.find((c: { clientId: string }) => c.clientId === 'web-app')).not.toHaveProperty('clientSecret');
    expect((await req('GET', `/admin_arc_clients/${made.body.id}`, { bearer: root })).text).not.toContain(secret);
    const u = (await req('POST', '/admin_users', { bearer: root, json: { username: 'finn', password: 'finn-pass-1', clientIds: [made.body.id] } })).body;
    expect(u.clients).toEqual(['web-app']);
    const arc = () => req('POST', '/auth/login-token', { json: { client_id: 'web-app', client_secret: secret, username: 'finn', password: 'finn-pass-1' } });
    expect((await arc()).status).toBe(200);
    const rotated = await req('PATCH', `/admin_arc_clients/${made.body.id}`, { bearer: root, json: { rotateSecret: true, accessTokenExpiration: 600 } });
    expect(rotated.body).toMatchObject({ accessTokenExpiration: 600 });
    expect(rotated.body.clientSecret).not.toBe(secret);
    expect((await arc()).status).toBe(401);
    expect((await req('DELETE', `/admin_arc_clients/${made.body.id}`, { bearer: root })).status).toBe(200);
    expect((await req('GET', `/admin_arc_clients/${made.body.id}`, { bearer: root })).status).toBe(404);
    const bad = await req('POST', '/admin_arc_clients', { bearer: root, json: { clientId: 'bad id!' } });
    expect(bad.status).toBe(400);
  });

  it('creates and removes OAuth2 clients; a configured one cannot be removed here', async () => {
    const made = await req('POST', '/admin_oauth2_clients', { bearer: root, json: { clientId: 'printer', name: 'Printer', redirectUris: ['https://printer.example/cb'], scopes: ['a'] } });
    expect(made.status).toBe(201);
    expect(made.body.clientSecret).toMatch(/^[\w-]{24,}$/);
    const list = await req('GET', '/admin_oauth2_clients', { bearer: root });
    expect(list.body.data.map((c: { clientId: string }) => c.clientId).sort()).toEqual(['configured', 'printer']);
    expect(list.text).not.toContain(made.body.clientSecret);
    expect(list.text).not.toContain(OAUTH2_CONFIG_CLIENT.secret);
    expect((await req('DELETE', '/admin_oauth2_clients/configured', { bearer: root })).status).toBe(403);
    expect((await req('DELETE', '/admin_oauth2_clients/printer', { bearer: root })).status).toBe(200);
    expect((await req('GET', '/admin_oauth2_clients/printer', { bearer: root })).status).toBe(404);
  });

  it('edits an OAuth2 client and rotates its secret: the old secret is refused at once; configured clients stay read-only', async () => {
    const made = await req('POST', '/admin_oauth2_clients', { bearer: root, json: { clientId: 'scanner', name: 'Scanner', redirectUris: ['https://scanner.example/cb'], scopes: ['a'] } });
    expect(made.status).toBe(201);
    const secret = made.body.clientSecret as string;
    await srv.core.accounts.create({ username: 'gail', password: 'gail-pass-1' });
    const grant = (clientSecret: string) =>
      req('POST', '/api/v1/auth/oauth2/token', { form: { grant_type: 'password', client_id: 'scanner', client_secret: clientSecret, username: 'gail', password: 'gail-pass-1', scope: 'a' } });
    expect((await grant(secret)).status).toBe(200);

    // Validated: unknown fields, an empty redirect list, a wrong type, a client id change.
    for (const json of [{ extra: 1 }, { redirectUris: [] }, { publicClient: 'yes' }, { clientId: 'other' }, { name: '' }]) {
      const bad = await req('PATCH', '/admin_oauth2_clients/scanner', { bearer: root, json });
      expect(bad.status, JSON.stringify(json)).toBe(400);
      expect(bad.body).toMatchObject({ name: 'BadRequest', code: 400 });
    }
    expect((await req('PATCH', '/admin_oauth2_clients/nobody', { bearer: root, json: { name: 'X' } })).status).toBe(404);

    const edited = await req('PATCH', '/admin_oauth2_clients/scanner', {
      bearer: root,
      json: { name: 'Scanner 2', author: 'Ops', authorUrl: 'https://ops.example', redirectUris: ['https://scanner.example/cb2', 'https://scanner.example/cb3'], scopes: ['a', 'b'] },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ clientId: 'scanner', name: 'Scanner 2', author: 'Ops', authorUrl: 'https://ops.example', redirectUris: ['https://scanner.example/cb2', 'https://scanner.example/cb3'], scopes: ['a', 'b'], publicClient: false });
    expect(edited.body).not.toHaveProperty('clientSecret');
    expect((await req('GET', '/admin_oauth2_clients/scanner', { bearer: root })).body).toMatchObject({ name: 'Scanner 2', scopes: ['a', 'b'] });
    // An edit without rotateSecret keeps the secret.
    expect((await grant(secret)).status).toBe(200);

    const rotated = await req('PATCH', '/admin_oauth2_clients/scanner', { bearer: root, json: { rotateSecret: true } });
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.clientSecret as string;
    expect(fresh).toMatch(/^[\w-]{24,}$/);
    expect(fresh).not.toBe(secret);
    // The old secret is refused from the next request on; the new one works; listings never show it.
    const old = await grant(secret);
    // simple-auth's answer to a wrong secret on the password grant (§6.4).
    expect(old.status).toBe(400);
    expect(old.body).toMatchObject({ error: 'invalid_request', error_description: 'invalid secret' });
    expect((await grant(fresh)).status).toBe(200);
    expect((await req('GET', '/admin_oauth2_clients', { bearer: root })).text).not.toContain(fresh);

    // A client of the configuration file: 403 for any change, and it is left as it was.
    const cfg = await req('PATCH', '/admin_oauth2_clients/configured', { bearer: root, json: { name: 'Changed', rotateSecret: true } });
    expect(cfg.status).toBe(403);
    expect(cfg.body).toMatchObject({ name: 'Forbidden', code: 403 });
    expect(cfg.text).not.toContain('clientSecret');
    expect((await req('GET', '/admin_oauth2_clients/configured', { bearer: root })).body).toMatchObject({ name: 'Configured', source: 'config' });
  });

  it('removes an allowed ARC client from an account: its sign-in through that client is refused', async () => {
    const c = (await req('POST', '/admin_arc_clients', { bearer: root, json: { clientId: 'kiosk' } })).body;
    const other = (await req('POST', '/admin_arc_clients', { bearer: root, json: { clientId: 'desk' } })).body;
    const u = (await req('POST', '/admin_users', { bearer: root, json: { username: 'hana', password: 'hana-pass-1', clientIds: [c.id, other.id] } })).body;
    expect(u.clients.sort()).toEqual(['desk', 'kiosk']);
    const loginToken = (client: { clientId: string; clientSecret: string }) =>
      req('POST', '/auth/login-token', { json: { client_id: client.clientId, client_secret: client.clientSecret, username: 'hana', password: 'hana-pass-1' } });
    // The web flow: /auth/login answers a code (the original checks the client at the exchange), /auth/token the tokens.
    const webFlow = async (client: { clientId: string; clientSecret: string }) => {
      const login = await req('POST', '/auth/login', { json: { client_id: client.clientId, client_secret: client.clientSecret, username: 'hana', password: 'hana-pass-1' } });
      if (login.status !== 200) return login;
      return req('POST', '/auth/token', { json: { clientId: client.clientId, code: login.body.code } });
    };
    expect((await loginToken(c)).status).toBe(200);
    expect((await webFlow(c)).status).toBe(200);

    const bad = await req('POST', '/admin_users', { bearer: root, json: { id: u.id, clientId: 'kiosk' }, headers: { 'x-service-method': 'disallowClient' } });
    expect(bad.status).toBe(400);
    const missing = await req('POST', '/admin_users', { bearer: root, json: { id: u.id }, headers: { 'x-service-method': 'disallowClient' } });
    expect(missing.status).toBe(400);
    const unknown = await req('POST', '/admin_users', { bearer: root, json: { id: u.id, clientId: 999_999 }, headers: { 'x-service-method': 'disallowClient' } });
    expect(unknown.status).toBe(404);

    const r = await req('POST', '/admin_users', { bearer: root, json: { id: u.id, clientId: c.id }, headers: { 'x-service-method': 'disallowClient' } });
    expect(r.status).toBe(200);
    expect(r.body.clients).toEqual(['desk']);
    expect((await req('GET', `/admin_users/${u.id}`, { bearer: root })).body.clients).toEqual(['desk']);

    const refused = await loginToken(c);
    expect(refused.status).toBe(401);
    expect(refused.text).toContain('Client Invalid');
    const web = await webFlow(c);
    expect(web.status).toBe(401);
    expect(web.text).toContain('Client Invalid');
    // The other client still works, and removing again changes nothing.
    expect((await loginToken(other)).status).toBe(200);
    expect((await req('POST', '/admin_users', { bearer: root, json: { id: u.id, clientId: c.id }, headers: { 'x-service-method': 'disallowClient' } })).status).toBe(200);
    const events = await req('GET', `/events?user_id=${u.id}&source_table=account`, { bearer: root });
    expect(events.body.data.filter((e: { custom_event: string }) => e.custom_event === 'ARC client removed')).toHaveLength(1);
  });

  it('shows the effective configuration with no secret in it', async () => {
    const r = await req('GET', '/admin_config', { bearer: root });
    expect(r.status).toBe(200);
    expect(r.body.jwtSecret).toBe('********');
    expect(r.body.port).toBe(srv.config.port);
    for (const s of [srv.config.jwtSecret, srv.config.secretKey, srv.config.feathersJwtSecret, OAUTH2_CONFIG_CLIENT.secret].filter(Boolean)) expect(r.text).not.toContain(s);
  });
});
