import { Writable } from 'node:stream';
import pino from 'pino';
import { expect, it } from 'vitest';
import Fastify from 'fastify';
import { requestLoggers } from '../../src/request-logger.js';

/** Per-request loggers are made only when a request logs; the lines they write are unchanged. */

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level }, stream), lines };
}

async function appWith(level: string) {
  const c = capture(level);
  // As server.ts builds it: a Fastify logger only when its request lines would be written.
  const app = Fastify({ ...(c.log.isLevelEnabled('info') ? { loggerInstance: c.log } : { logger: false }), childLoggerFactory: requestLoggers(c.log) });
  app.get('/ok', async () => ({ ok: true }));
  app.get('/boom', async () => {
    throw new Error('boom');
  });
  app.get('/warn', async (req) => {
    req.log.warn({ note: 'x' }, 'handler warning');
    return { ok: true };
  });
  await app.ready();
  return { app, lines: c.lines };
}

it('at info, request lines carry the request id as before', async () => {
  const { app, lines } = await appWith('info');
  expect((await app.inject({ url: '/ok' })).statusCode).toBe(200);
  const done = lines.find((l) => l.msg === 'request completed');
  expect(done).toBeDefined();
  expect(typeof done?.reqId).toBe('string');
  expect(lines.find((l) => l.msg === 'incoming request')?.reqId).toBe(done?.reqId);
  await app.close();
});

it('at warn, an ordinary request writes nothing, while warnings and errors keep their request id', async () => {
  const { app, lines } = await appWith('warn');
  expect((await app.inject({ url: '/ok' })).statusCode).toBe(200);
  expect(lines).toEqual([]);
  expect((await app.inject({ url: '/warn' })).statusCode).toBe(200);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ level: 40, msg: 'handler warning', note: 'x' });
  expect(typeof lines[0]?.reqId).toBe('string');
  expect((await app.inject({ url: '/boom' })).statusCode).toBe(500);
  const err = lines.find((l) => l.level === 50);
  expect(err).toMatchObject({ msg: 'boom' });
  expect(typeof err?.reqId).toBe('string');
  await app.close();
});

it('a child of a request logger, and its level, behave as pino children do', () => {
  const { log, lines } = capture('warn');
  const reqLog = requestLoggers(log)(log, { reqId: 'r1' }, {});
  expect(reqLog.level).toBe('warn');
  reqLog.info('dropped');
  reqLog.child({ part: 'p' }).error('kept');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ reqId: 'r1', part: 'p', msg: 'kept' });
});
