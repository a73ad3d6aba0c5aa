import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One webhook call as the receiver got it. */
export interface SmsCall {
  to: string;
  message: string;
  /** The Authorization header, if any. */
  authorization: string | undefined;
  contentType: string | undefined;
}

export interface SmsReceiver {
  /** The webhook URL to configure as SMS_WEBHOOK_URL. */
  url: string;
  calls: SmsCall[];
  /** The first call (already received or still to come) that satisfies `predicate`. */
  waitFor(predicate: (c: SmsCall) => boolean, timeoutMs?: number): Promise<SmsCall>;
  /** The status the next calls are answered with (200 unless set). */
  answer(status: number): void;
  close(): Promise<void>;
}

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

/** A real HTTP receiver for the SMS webhook on 127.0.0.1 (any free port), keeping every call. */
export async function startSmsReceiver(): Promise<SmsReceiver> {
  const calls: SmsCall[] = [];
  const waiters = new Set<(c: SmsCall) => void>();
  let status = 200;
  const server = createServer((req, res) => {
    void read(req).then((text) => {
      const body = JSON.parse(text) as { to: string; message: string };
      const call: SmsCall = { to: body.to, message: body.message, authorization: req.headers.authorization, contentType: req.headers['content-type'] };
      calls.push(call);
      for (const w of [...waiters]) w(call);
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/sms`,
    calls,
    waitFor(predicate, timeoutMs = 5000) {
      const already = calls.find(predicate);
      if (already) return Promise.resolve(already);
      return new Promise<SmsCall>((resolve, reject) => {
        const waiter = (c: SmsCall) => {
          if (!predicate(c)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(c);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching SMS within ${timeoutMs} ms (received: ${calls.map((c) => c.to).join(', ') || 'none'})`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    answer(s) {
      status = s;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
