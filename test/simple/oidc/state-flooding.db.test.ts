/**
 * Attack: flooding the TTL store with started sign-ins. `GET /oidc/{id}` needs no session, no
 * CSRF token and no client: each call keeps a state (with its PKCE verifier, nonce and a continue
 * URL of up to 4 KB, `/#/oauth2…` being always allowed) server-side for FEDERATION_STATE_SECONDS.
 * Without a bound, one address writes rows as fast as it can send requests, for ten minutes each.
 * Starts are limited per client address: over the limit, 429 too-many-requests and nothing kept.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import { describeDb } from '../../support/server.js';
import { closeAllUpstreams } from '../../support/upstreams/http.js';
import { STARTS_PER_ADDRESS } from '../../../src/core/federation/state.js';
import { PROVIDER, startWithUpstream, type Setup } from './flow.js';

let s: Setup;
beforeAll(async () => {
  s = await startWithUpstream();
});
afterAll(async () => {
  await s?.close();
  await closeAllUpstreams();
});

const keptStates = async () =>
  Number((await s.srv.store.db.selectFrom('kv').select((eb) => eb.fn.countAll<number>().as('n')).where('key', 'like', 'fed:state:%').where('key', 'not like', '%:taken').executeTakeFirstOrThrow()).n);

await describeDb('simple: flooding GET /oidc/{id}', () => {
  it('answers 429 past the per-address limit of starts and keeps no more states', async () => {
    const cont = encodeURIComponent(`/#/oauth2${'x'.repeat(4000)}`);
    const statuses: number[] = [];
    for (let i = 0; i < STARTS_PER_ADDRESS.max + 20; i++) {
      const res = await fetch(`${s.srv.url}/oidc/${PROVIDER.id}?continue=${cont}`, { redirect: 'manual' });
      await res.body?.cancel();
      statuses.push(res.status);
    }
    expect(statuses.slice(0, STARTS_PER_ADDRESS.max).every((st) => st === 307)).toBe(true);
    expect(statuses.slice(STARTS_PER_ADDRESS.max).every((st) => st === 429)).toBe(true);
    expect(await keptStates()).toBe(STARTS_PER_ADDRESS.max);
    const refused = await fetch(`${s.srv.url}/oidc/${PROVIDER.id}`, { redirect: 'manual' });
    expect(await refused.json()).toMatchObject({ reason: 'too-many-requests' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
