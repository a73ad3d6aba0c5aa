/**
 * A number that moves whenever a write may end the life of a token: a token consumed or revoked,
 * an OAuth2 client changed or removed, an account removed. Caches in `core/` remember the number
 * they were filled at and drop what they hold when it has moved, so a revocation takes effect on
 * the next request without a database read per request.
 *
 * Writes through this process's repositories move it directly. Writes by other processes (the
 * CLI on the same SQLite file) are seen through `externalVersion` (SQLite's `data_version`,
 * which changes when another connection commits), asked at most every `EXTERNAL_PROBE_MS`: the
 * probe opens a read transaction (~10 µs), as much as a whole cached introspection.
 * PostgreSQL has no such cheap probe, so caches there bound the age of what they hold instead.
 */
export const EXTERNAL_PROBE_MS = 100;

export interface Generation {
  current(): number;
  bump(): void;
}

export function generation(externalVersion?: () => number): Generation {
  let n = 0;
  let ext = externalVersion?.();
  let probedAt = Date.now();
  return {
    current() {
      if (externalVersion) {
        const now = Date.now();
        if (now - probedAt < EXTERNAL_PROBE_MS) return n;
        probedAt = now;
        const v = externalVersion();
        if (v !== ext) {
          ext = v;
          n++;
        }
      }
      return n;
    },
    bump() {
      n++;
    },
  };
}
