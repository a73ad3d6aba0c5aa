/**
 * A store the request needs did not answer (Redis down or timing out): the request may well
 * succeed in a moment, so dialects answer 503 with Retry-After rather than 500.
 */
export class StoreUnavailableError extends Error {
  constructor(what: string, cause: unknown) {
    super(`${what} unavailable`, { cause });
    this.name = 'StoreUnavailableError';
  }
}
