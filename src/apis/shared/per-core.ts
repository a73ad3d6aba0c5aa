import type { Core } from '../../core/index.js';

/**
 * A value a dialect derives once per server (its access-token kind, say) from functions that
 * receive only the core: made on first use, then kept beside that core.
 */
export function perCore<T>(make: (core: Core) => T): (core: Core) => T {
  const made = new WeakMap<Core, T>();
  return (core) => {
    let v = made.get(core);
    if (v === undefined) made.set(core, (v = make(core)));
    return v;
  };
}
