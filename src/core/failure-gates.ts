import type { TtlStore } from '../store/ttl-store.js';

/** A failure counter and the number of failures that closes it. */
export interface Scope {
  key: string;
  max: number;
}

/** Why a check may not run now: the counter is closed until `until`, or no slot came in time. */
export class Closed extends Error {
  constructor(public readonly until: number) {
    super('closed');
  }
}

type Wake = (outcome: 'slot' | 'recheck') => void;
interface Gate {
  running: number;
  ended: number;
  usedAt: number;
  queue: Wake[];
}

/**
 * Admission to checks guarded by failure counters: at most `max − failures` checks of a counter
 * run at a time on this node, so however many arrive together, no more than `max` guesses are
 * ever made per window, while checks that succeed cost nothing. A check that ends well hands its
 * slot to the oldest waiter (first in, first out; one wake-up, not a stampede); one that fails
 * shrinks the counter's room by one and has every waiter look again, since the counter may now
 * be closed. A check takes the slots of its scopes in the order given, so two checks never wait
 * for each other's slots.
 */
export function failureGates(ttl: TtlStore, waitMs: number) {
  const gates = new Map<string, Gate>();
  const gateOf = (key: string): Gate => {
    let g = gates.get(key);
    if (!g) gates.set(key, (g = { running: 0, ended: 0, usedAt: 0, queue: [] }));
    g.usedAt = Date.now();
    return g;
  };
  // Idle gates are forgotten long after any check that read them has finished.
  const sweep = setInterval(() => {
    const old = Date.now() - 4 * waitMs;
    for (const [k, g] of gates) if (g.running === 0 && !g.queue.length && g.usedAt < old) gates.delete(k);
  }, 4 * waitMs);
  sweep.unref();

  function wait(g: Gate, deadline: number): Promise<'slot' | 'recheck' | 'timeout'> {
    return new Promise((resolve) => {
      const wake: Wake = (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      };
      const timer = setTimeout(() => {
        const i = g.queue.indexOf(wake);
        if (i >= 0) g.queue.splice(i, 1);
        resolve('timeout');
      }, Math.max(0, deadline - Date.now()));
      g.queue.push(wake);
    });
  }

  /** Ends a check's hold on `key`. */
  function release(key: string, failed: boolean): void {
    const g = gateOf(key);
    g.ended++;
    if (!failed) {
      const next = g.queue.shift();
      if (next) return next('slot');
    }
    g.running--;
    if (failed) {
      const all = g.queue;
      g.queue = [];
      for (const wake of all) wake('recheck');
    }
  }

  /** Takes a slot of `s` (waiting up to the deadline); returns the counter's failures. */
  async function acquire(s: Scope, deadline: number): Promise<number> {
    for (;;) {
      const g = gateOf(s.key);
      const endedBefore = g.ended;
      const c = await ttl.count(s.key);
      if (c && c.count >= s.max) throw new Closed(c.expiresAt);
      if (Date.now() > deadline) throw new Closed(Date.now() + 1000);
      // A check that ended while the counter was read may have failed unseen: read again.
      if (g.ended !== endedBefore) continue;
      if (g.running < s.max - (c?.count ?? 0)) {
        g.running++;
        return c?.count ?? 0;
      }
      const outcome = await wait(g, deadline);
      if (outcome === 'timeout') throw new Closed(Date.now() + 1000);
      if (outcome === 'slot') {
        // The slot is ours; another node may have closed the counter meanwhile.
        const now = await ttl.count(s.key);
        if (now && now.count >= s.max) {
          release(s.key, false);
          throw new Closed(now.expiresAt);
        }
        return now?.count ?? 0;
      }
    }
  }

  return {
    /**
     * Runs `fn` once it holds a slot of every scope (0 = off); a failure of `fn` that `isFailure`
     * recognises counts in every scope. Returns `fn`'s result and the first scope's failures.
     */
    async run<T>(scopes: Scope[], isFailure: (e: unknown) => boolean, fn: (failures: number) => Promise<T>, windowMs: number): Promise<T> {
      const live = scopes.filter((s) => s.max > 0);
      const deadline = Date.now() + waitMs;
      const held: Scope[] = [];
      let failures = 0;
      try {
        // The usual case in one read: every counter open with room, nothing ended meanwhile.
        const endedBefore = live.map((s) => gateOf(s.key).ended);
        const counts = live.length ? await ttl.counts(live.map((s) => s.key)) : [];
        for (const [i, s] of live.entries()) {
          const c = counts[i];
          if (c && c.count >= s.max) throw new Closed(c.expiresAt);
          const g = gateOf(s.key);
          if (g.ended !== endedBefore[i] || g.running >= s.max - (c?.count ?? 0)) break;
          g.running++;
          if (!held.length) failures = c?.count ?? 0;
          held.push(s);
        }
        // Otherwise, counter by counter, waiting where needed.
        for (const s of live.slice(held.length)) {
          const f = await acquire(s, deadline);
          if (!held.length) failures = f;
          held.push(s);
        }
      } catch (e) {
        for (const s of held) release(s.key, false);
        throw e;
      }
      let failed = false;
      try {
        return await fn(failures);
      } catch (e) {
        if (isFailure(e)) {
          failed = true;
          await Promise.all(held.map((s) => ttl.incr(s.key, windowMs)));
        }
        throw e;
      } finally {
        for (const s of held) release(s.key, failed);
      }
    },
  };
}
export type FailureGates = ReturnType<typeof failureGates>;
