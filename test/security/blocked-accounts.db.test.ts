import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, describeDb, startServer, type TestServer } from '../support/server.js';
import { arcFixture } from '../support/fixtures/arc.js';
import { accountSessions, authCookie, EVERY_DIALECT, within, type Account, type AccountSessions, type Sessions } from '../support/account-sessions.js';

/**
 * Issue 9 §3: a blocked account (inactive, rejected) or a deleted one loses access everywhere.
 * Its live sessions die on the running server within a second, also when an administrator
 * writes the status straight into the database (the server is not told: it must notice); no
 * flow issues it tokens; and when it is let in again its old sessions stay dead.
 */

/** "Within a second", with room for one poll of the feed and a slow machine. */
const DEADLINE_MS = 1500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Db = TestServer['store']['db'];
interface BlockCase {
  name: string;
  block(db: Db, srv: TestServer, a: Account): Promise<unknown>;
  /** Lets the account in again, as an administrator would. */
  revive(db: Db, a: Account): Promise<unknown>;
  revived: string;
}

const CASES: BlockCase[] = [
  {
    name: 'set inactive (status 2) by an UPDATE written straight into the database',
    block: (db, _srv, a) => db.updateTable('users').set({ status: 2 }).where('id', '=', a.user.id).execute(),
    revive: (db, a) => db.updateTable('users').set({ status: 1 }).where('id', '=', a.user.id).execute(),
    revived: 'set active (status 1) again',
  },
  {
    name: 'set rejected (status 4) by a raw SQL statement',
    block: (db, _srv, a) => sql`update users set status = 4 where id = ${a.user.id}`.execute(db),
    revive: (db, a) => sql`update users set status = 1 where id = ${a.user.id}`.execute(db),
    revived: 'set active (status 1) again',
  },
  {
    name: 'deleted through core.accounts.remove',
    block: (_db, srv, a) => srv.core.accounts.remove(a.user),
    revive: (db, a) => sql`update users set deleted_at = null where id = ${a.user.id}`.execute(db),
    revived: 'restored (deleted_at cleared) by SQL',
  },
];

await describeDb('blocked and deleted accounts lose access everywhere', () => {
  let srv: TestServer;
  let kit: AccountSessions;
  let webId: number;

  beforeAll(async () => {
    srv = await startServer(EVERY_DIALECT);
    kit = accountSessions(client(srv.url));
    webId = (await arcFixture(srv.core)).web.id;
  });
  afterAll(async () => srv?.close());

  let seq = 0;
  async function newAccount(): Promise<Account> {
    const n = ++seq;
    const a = { username: `blocked${n}`, email: `blocked${n}@example.com`, password: `Blocked!pass${n}` };
    const user = await srv.core.accounts.create({ ...a, clientIds: [webId] });
    return { user, ...a };
  }

  for (const c of CASES) {
    describe(`an account ${c.name}`, () => {
      let a: Account;
      /** Sessions used while the account is blocked (probed, and refreshes tried). */
      let before: Sessions;
      /**
       * Sessions left untouched until the account is let in again (a second younger, so their
       * tokens and cookie differ): only the block itself can have ended them.
       */
      let dormant: Sessions;
      /** ARC web-flow codes and an OAuth2 code obtained before the block, not yet exchanged. */
      let arcCodes: string[];
      let oauth2Code: string;

      beforeAll(async () => {
        a = await newAccount();
        before = await kit.open(a);
        await sleep(1000 - (Date.now() % 1000) + 20);
        dormant = await kit.open(a);
        expect(dormant.cookie).not.toBe(before.cookie);
        arcCodes = [];
        for (let i = 0; i < 2; i++) {
          const r = await kit.arcCode(a);
          expect(r.status).toBe(200);
          arcCodes.push(r.body.code);
        }
        const g = await kit.oauth2Grant(a.user.uuid);
        expect(g.status).toBe(200);
        oauth2Code = g.body.code;
      });

      it('has every live session ended by the running server within a second, unprompted', async () => {
        // Live before, and the server has verified (and may have cached) each of them.
        expect(await kit.notAccepted(before)).toEqual([]);
        expect(await kit.notAccepted(dormant)).toEqual([]);
        await c.block(srv.store.db, srv, a);
        const { left, tookMs } = await within(DEADLINE_MS, () => kit.stillAccepted(before));
        expect(left, `still accepted ${tookMs} ms after the block`).toEqual([]);
        // Refreshing rotates a live token, so it is tried once, after the probes saw the block.
        expect(await kit.refreshesNotRefused(before)).toEqual([]);
      });

      it('gets no token from any flow, including codes obtained before the block', async () => {
        const arcToken = await kit.arcLogin(a);
        expect(arcToken.status, 'ARC POST /auth/login-token').toBe(401);
        expect(arcToken.body.accessToken).toBeUndefined();

        const webFlow = await kit.arcCode(a);
        expect(webFlow.status, 'ARC POST /auth/login (web flow step 1)').toBe(401);
        expect(webFlow.body.code).toBeUndefined();

        const exchange = await kit.arcExchange(arcCodes[0] as string);
        // 404 UserDoesNotExist is ARC's answer once the account is gone.
        expect([401, 404], `ARC POST /auth/token with a code from before the block → ${exchange.status}`).toContain(exchange.status);
        expect(exchange.body.accessToken).toBeUndefined();

        const basic = await kit.basicLogin(a);
        expect(basic.status, 'basic POST /auth/login').toBe(401);
        expect(basic.body.tokens).toBeUndefined();

        const simple = await kit.simpleLogin(a);
        expect(simple.status, 'simple POST /api/v1/auth/session').toBe(401);
        expect(authCookie(simple), 'simple session cookie').toBeUndefined();

        const password = await kit.oauth2Login(a);
        expect(password.status, 'OAuth2 password grant').toBe(400);
        expect(password.body.access_token).toBeUndefined();

        const grant = await kit.oauth2Grant(a.user.uuid);
        expect(grant.status, 'OAuth2 grant (SharedKey)').toBeGreaterThanOrEqual(400);
        expect(grant.body.code).toBeUndefined();

        const code = await kit.oauth2Exchange(oauth2Code);
        expect(code.status, 'OAuth2 authorization_code grant with a code from before the block').toBe(400);
        expect(code.body.access_token).toBeUndefined();
      });

      it(`once ${c.revived}, keeps its old sessions dead while a fresh sign-in works`, async () => {
        await c.revive(srv.store.db, a);
        // Fresh sign-ins in every dialect; the server learns of the revival by itself, within a second.
        const fresh = await kit.open(a);
        const { left, tookMs } = await within(DEADLINE_MS, () => kit.notAccepted(fresh));
        expect(left, `fresh sessions refused ${tookMs} ms after the revival`).toEqual([]);
        expect(fresh.oauth2.access).not.toBe(before.oauth2.access);

        const web = await kit.arcCode(a);
        expect(web.status, 'ARC web flow step 1 after the revival').toBe(200);
        const webTokens = await kit.arcExchange(web.body.code);
        expect(webTokens.status, 'ARC web flow step 2 after the revival').toBe(200);
        expect((await kit.arcMe(webTokens.body.accessToken)).status).toBe(200);

        // What was issued before the block stays dead, also what nobody used while it lasted.
        expect(await kit.stillAccepted(dormant), 'sessions untouched during the block').toEqual([]);
        expect(await kit.refreshesNotRefused(dormant), 'refresh tokens untouched during the block').toEqual([]);
        expect(await kit.stillAccepted(before)).toEqual([]);
        expect(await kit.refreshesNotRefused(before)).toEqual([]);
      });

      it('has its ARC code from before the block still refused after the revival', async () => {
        const exchange = await kit.arcExchange(arcCodes[1] as string);
        expect(exchange.status).toBe(401);
        expect(exchange.body.accessToken).toBeUndefined();
      });
    });
  }
});
