import type { FastifyInstance } from 'fastify';

/**
 * Which value of a repeated field a dialect keeps: simple-auth binds like Go's url.Values (the
 * first), ARC like LoopBack's body parser (the last). The difference is observable, so each
 * dialect names its own.
 */
export type RepeatedField = 'first' | 'last';

/** An application/x-www-form-urlencoded body as an object of strings. */
export function parseForm(body: string, repeated: RepeatedField): Record<string, string> {
  const fields = new URLSearchParams(body);
  if (repeated === 'last') return Object.fromEntries(fields);
  const out: Record<string, string> = {};
  for (const [k, v] of fields) if (!Object.hasOwn(out, k)) out[k] = v;
  return out;
}

/** Accepts form bodies (up to 64 KiB, as both originals) in the encapsulated `app`. */
export function addFormParser(app: FastifyInstance, repeated: RepeatedField): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
    done(null, parseForm(body as string, repeated));
  });
}
