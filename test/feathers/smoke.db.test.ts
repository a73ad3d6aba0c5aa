import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server.js';
import { restClient, socketClient } from '../support/feathers-client.js';

describe('feathers smoke', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer();
  });
  afterAll(async () => srv?.close());

  it('signs up and in over REST and socket', async () => {
    const c = restClient(srv.url);
    const u = await c.service('users').create({ email: 'a@example.com', password: 'pw-123456' });
    console.log(u);
    const r = await c.authenticate({ strategy: 'local', email: 'a@example.com', password: 'pw-123456' });
    console.log(JSON.stringify(r));
    console.log(await c.service('users').get(u.id));
    console.log(await c.service('users').find({ query: { $limit: 5 } }));
    console.log(await (c.service('users') as any).count({}));
    const s = socketClient(srv.url);
    const r2 = await s.app.authenticate({ strategy: 'local', username: 'a@example.com', password: 'pw-123456' });
    console.log(r2.user);
    console.log(await s.app.service('users').get(u.id));
    await s.app.logout();
    await expect(s.app.service('users').get(u.id)).rejects.toThrow();
    s.close();
    await c.logout();
  });
});
