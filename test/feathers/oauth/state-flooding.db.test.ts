/**
 * Attack: flooding the TTL store through `GET /oauth/:provider`, which anyone may call and which
 * keeps a state server-side for each call. Past the per-address limit the start answers a
 * Feathers 429 (TooManyRequests, with Retry-After) and keeps nothing; it never answers 500.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb } from '../../support/server.js';
import { closeAllUpstreams } from '../../support/upstreams/http.js';
import { STARTS_PER_ADDRESS } from '../../../src/core/federation/state.js';
import { APP, oauthWorld, type OAuthWorld } from './support.js';

await describeDb('feathers oauth: flooding the start', () => {
  let w: OAuthWorld;
  beforeAll(async () => {
    w = await oauthWorld();
  });
  afterAll(async () => {
    await w?.close();
    await closeAllUpstreams();
  });

  it('answers 429 TooManyRequests past the per-address limit of starts', async () => {
    const path = `/oauth/google?${new URLSearchParams({ app_url: `${APP}/signed-in` })}`;
    const statuses: number[] = [];
    for (let i = 0; i < STARTS_PER_ADDRESS.max; i++) statuses.push((await w.req('GET', path)).status);
    expect(new Set(statuses)).toEqual(new Set([302]));
    const refused = await w.req('GET', path);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ name: 'TooManyRequests', code: 429 });
    expect(refused.headers.get('set-cookie')).toBeNull();
  });
});
