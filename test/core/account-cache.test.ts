/**
 * The account cache behind Feathers `users.get`: a write moves the users generation and the next
 * read goes to the store; where the store cannot see other processes' writes an entry ages out;
 * a row read while a write ran is not kept.
 */
import { describe, expect, it } from 'vitest';
import { accountCache } from '../../src/core/accounts/account-cache.js';
import { generation } from '../../src/store/generation.js';
import type { UserRow } from '../../src/store/users.js';

const row = (id: number, first_name: string) => ({ id, first_name }) as UserRow;

function fakeStore() {
  const rows = new Map<number, UserRow>([[1, row(1, 'Ann')]]);
  const gen = generation();
  let reads = 0;
  let duringRead: (() => void) | undefined;
  return {
    gen,
    rows,
    reads: () => reads,
    set duringRead(f: (() => void) | undefined) {
      duringRead = f;
    },
    byId: async (id: number) => {
      reads++;
      const r = rows.get(id);
      duringRead?.();
      return r;
    },
  };
}

describe('account cache', () => {
  it('reads an account once, then serves it from memory while nothing is written', async () => {
    const s = fakeStore();
    const cache = accountCache({ byId: s.byId, rows: s.gen, maxAgeMs: Infinity });
    expect((await cache.byId(1))?.first_name).toBe('Ann');
    expect((await cache.byId(1))?.first_name).toBe('Ann');
    expect(s.reads()).toBe(1);
  });

  it('reads again after any users write moved the generation', async () => {
    const s = fakeStore();
    const cache = accountCache({ byId: s.byId, rows: s.gen, maxAgeMs: Infinity });
    await cache.byId(1);
    s.rows.set(1, row(1, 'Bea'));
    s.gen.bump();
    expect((await cache.byId(1))?.first_name).toBe('Bea');
    expect(s.reads()).toBe(2);
  });

  it('does not keep a row read while a write ran', async () => {
    const s = fakeStore();
    const cache = accountCache({ byId: s.byId, rows: s.gen, maxAgeMs: Infinity });
    s.duringRead = () => {
      s.rows.set(1, row(1, 'Cid'));
      s.gen.bump();
    };
    expect((await cache.byId(1))?.first_name).toBe('Ann');
    s.duringRead = undefined;
    expect((await cache.byId(1))?.first_name).toBe('Cid');
  });

  it('does not remember accounts that do not exist (one created later is found)', async () => {
    const s = fakeStore();
    const cache = accountCache({ byId: s.byId, rows: s.gen, maxAgeMs: Infinity });
    expect(await cache.byId(2)).toBeUndefined();
    s.rows.set(2, row(2, 'Dag'));
    expect((await cache.byId(2))?.first_name).toBe('Dag');
  });

  it('bounds the age of an entry where other processes write unseen (PostgreSQL)', async () => {
    const s = fakeStore();
    const cache = accountCache({ byId: s.byId, rows: s.gen, maxAgeMs: 30 });
    await cache.byId(1);
    // Another node's write: this process's generation does not move.
    s.rows.set(1, row(1, 'Eve'));
    expect((await cache.byId(1))?.first_name).toBe('Ann');
    await new Promise((r) => setTimeout(r, 40));
    expect((await cache.byId(1))?.first_name).toBe('Eve');
  });

  it('holds at most `max` accounts', async () => {
    const s = fakeStore();
    for (let i = 2; i <= 5; i++) s.rows.set(i, row(i, `U${i}`));
    const cache = accountCache({ byId: s.byId, rows: s.gen, maxAgeMs: Infinity, max: 2 });
    for (let i = 1; i <= 5; i++) await cache.byId(i);
    const before = s.reads();
    await cache.byId(1);
    expect(s.reads()).toBe(before + 1);
    await cache.byId(5);
    expect(s.reads()).toBe(before + 1);
  });
});
