/**
 * The SMS webhook sender against real HTTP servers: what it posts, the bearer token, failures
 * (an error status, a redirect, no answer in time), and a log that never holds the message.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { webhookSms } from '../../src/core/notify/sms.js';
import { startSmsReceiver, type SmsReceiver } from '../support/sms.js';

/** A pino logger at debug level whose lines are kept. */
function capturedLog() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the SMS webhook sender', () => {
  let receiver: SmsReceiver;
  const others: Server[] = [];
  beforeAll(async () => {
    receiver = await startSmsReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    for (const s of others) {
      s.closeAllConnections();
      s.close();
    }
  });

  it('is not configured without a URL, and then sends nothing', async () => {
    const sms = webhookSms({ url: undefined, token: undefined, log: capturedLog().log });
    expect(sms.configured).toBe(false);
    await expect(sms.send({ to: '+4790000000', message: 'x' })).rejects.toThrow('SMS is not configured');
  });

  it('posts JSON {to, message} with the bearer token, and logs the recipient but never the message', async () => {
    const { log, lines } = capturedLog();
    const sms = webhookSms({ url: receiver.url, token: 'hook-token', log });
    expect(sms.configured).toBe(true);
    await sms.send({ to: '+4790000001', message: 'Your sign-in code is 314159.' });
    const call = await receiver.waitFor((c) => c.to === '+4790000001');
    expect(call).toMatchObject({ message: 'Your sign-in code is 314159.', authorization: 'Bearer hook-token' });
    expect(call.contentType).toMatch(/^application\/json/);
    const logged = lines.join('');
    expect(logged).toContain('+4790000001');
    expect(logged).not.toContain('314159');
    expect(logged).not.toContain('hook-token');
  });

  it('fails on an error status, so the caller logs the message as not sent', async () => {
    receiver.answer(500);
    try {
      const sms = webhookSms({ url: receiver.url, token: undefined, log: capturedLog().log });
      await expect(sms.send({ to: '+4790000002', message: 'code 1' })).rejects.toThrow('SMS webhook answered 500');
    } finally {
      receiver.answer(200);
    }
  });

  it('does not follow a redirect (the message and token would go elsewhere)', async () => {
    const hits: string[] = [];
    const target = createServer((req, res) => {
      hits.push(String(req.headers.authorization));
      res.end('{}');
    });
    others.push(target);
    const targetUrl = await listen(target);
    const redirector = createServer((_req, res) => res.writeHead(307, { location: targetUrl }).end());
    others.push(redirector);
    const sms = webhookSms({ url: await listen(redirector), token: 'hook-token', log: capturedLog().log });
    await expect(sms.send({ to: '+4790000003', message: 'code 2' })).rejects.toThrow();
    expect(hits).toEqual([]);
  });

  it('gives up on a webhook that does not answer in time', async () => {
    const silent = createServer(() => undefined);
    others.push(silent);
    const sms = webhookSms({ url: await listen(silent), token: undefined, log: capturedLog().log, timeoutMs: 200 });
    const started = Date.now();
    await expect(sms.send({ to: '+4790000004', message: 'code 3' })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
