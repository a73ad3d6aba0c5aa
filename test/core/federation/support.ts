import { expect } from 'vitest';
import type { TestServer } from '../../support/server.js';
import type { Finished } from '../../../src/core/federation/types.js';
import { CoreError } from '../../../src/core/errors.js';

/** The callback URL the engine is told (nobody calls it: the upstream's redirect is read instead). */
export const callbackOf = (srv: TestServer, provider: string) => `${srv.url}/test-callback/${provider}`;

/** Any upstream with a login() that drives its pages and answers the redirect back. */
export interface Loginable {
  login(authorizeUrl: string, who: string): Promise<string>;
}

/** start → the provider's pages as `who` → the callback's parameters (not finished yet). */
export async function authorize(srv: TestServer, up: Loginable, provider: string, who: string, extra: { context?: Record<string, string>; statePrefix?: Record<string, string> } = {}) {
  const started = await srv.core.federation.start({ provider, redirectUri: callbackOf(srv, provider), context: extra.context ?? {}, statePrefix: extra.statePrefix });
  const back = new URL(await up.login(started.url, who));
  return { started, back, params: Object.fromEntries(back.searchParams) as Record<string, string> };
}

/** A whole sign-in up to `finish`. */
export async function signIn(srv: TestServer, up: Loginable, provider: string, who: string): Promise<Finished> {
  const { params } = await authorize(srv, up, provider, who);
  return srv.core.federation.finish({ provider, params });
}

/** The CoreError code a promise fails with (fails the test if it succeeds or throws something else). */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CoreError) return e.code;
    throw e;
  }
  throw new Error('expected a CoreError');
}

/** Rows of the tables a sign-in may write: nothing of a refused one may be left there. */
export async function counts(srv: TestServer) {
  const n = async (table: 'users' | 'identities') => Number((await srv.store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { users: await n('users'), identities: await n('identities') };
}

/** Asserts `work` changes neither table. */
export async function writesNothing(srv: TestServer, work: () => Promise<unknown>): Promise<void> {
  const before = await counts(srv);
  await work();
  expect(await counts(srv)).toEqual(before);
}
