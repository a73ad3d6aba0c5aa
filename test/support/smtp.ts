import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One message as the receiver got it: the SMTP envelope, the raw text and a minimal parse. */
export interface Message {
  /** MAIL FROM of the envelope. */
  from: string;
  /** RCPT TO addresses of the envelope, lower-cased. */
  rcpt: string[];
  /** Header fields (unfolded, names lower-cased; the last one wins when a name repeats). */
  headers: Record<string, string>;
  /** The To header. */
  to: string;
  /** The Subject header, MIME encoded-words decoded. */
  subject: string;
  /** The body with its transfer encoding (quoted-printable or base64) undone. */
  text: string;
  /** The message exactly as it came over the wire. */
  raw: string;
}

export interface SmtpReceiver {
  port: number;
  /** A nodemailer transport URL for this receiver (plain SMTP, no STARTTLS attempted). */
  url: string;
  messages: Message[];
  /** The first message (already received or still to come) that satisfies `predicate`. */
  waitFor(predicate: (m: Message) => boolean, timeoutMs?: number): Promise<Message>;
  close(): Promise<void>;
}

/** Quoted-printable: soft line breaks (`=` at the end of a line) go, `=XX` become bytes (UTF-8 text). */
export function decodeQuotedPrintable(input: string): string {
  const joined = input.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const c = joined[i] as string;
    const hex = joined.slice(i + 1, i + 3);
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`), as nodemailer writes non-ASCII subjects. */
function decodeEncodedWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_all, _charset: string, enc: string, data: string) =>
      enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}

/** Splits a raw message into unfolded headers and a decoded body (single-part messages). */
export function parseMessage(raw: string): { headers: Record<string, string>; text: string } {
  const normalized = raw.replace(/\r\n/g, '\n');
  const split = normalized.indexOf('\n\n');
  const head = split < 0 ? normalized : normalized.slice(0, split);
  const body = split < 0 ? '' : normalized.slice(split + 2);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const text =
    encoding === 'quoted-printable' ? decodeQuotedPrintable(body) : encoding === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8') : body;
  return { headers, text };
}

/**
 * A real SMTP receiver (smtp-server) on 127.0.0.1, any free port: no TLS, no authentication
 * required, every message kept in `messages`.
 */
export async function startSmtp(): Promise<SmtpReceiver> {
  const messages: Message[] = [];
  const waiters = new Set<(m: Message) => void>();

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (err: Error) => callback(err));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const { headers, text } = parseMessage(raw);
        const mailFrom = session.envelope.mailFrom;
        const message: Message = {
          from: mailFrom ? mailFrom.address : '',
          rcpt: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          headers,
          to: headers.to ?? '',
          subject: decodeEncodedWords(headers.subject ?? ''),
          text,
          raw,
        };
        messages.push(message);
        for (const w of [...waiters]) w(message);
        callback();
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    port,
    url: `smtp://127.0.0.1:${port}?ignoreTLS=true`,
    messages,
    waitFor(predicate, timeoutMs = 5000) {
      const already = messages.find(predicate);
      if (already) return Promise.resolve(already);
      return new Promise<Message>((resolve, reject) => {
        const waiter = (m: Message) => {
          if (!predicate(m)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(m);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen = messages.map((m) => `${m.rcpt.join(',')}: ${m.subject}`).join('; ') || 'none';
          reject(new Error(`no matching mail within ${timeoutMs} ms (received: ${seen})`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The token in a mail body, found through the link template it was built from (`{token}` marks
 * its place, e.g. `http://app.test/reset?token={token}`); URL-decoded. Undefined when absent.
 */
export function tokenFromMail(body: string, template: string): string | undefined {
  const at = template.indexOf('{token}');
  if (at < 0) throw new Error(`template has no {token}: ${template}`);
  const prefix = template.slice(0, at);
  const suffix = template.slice(at + '{token}'.length);
  const start = body.indexOf(prefix);
  if (start < 0) return undefined;
  const rest = body.slice(start + prefix.length);
  let end = rest.search(/[\s<>"']/);
  if (end < 0) end = rest.length;
  if (suffix) {
    const s = rest.indexOf(suffix);
    if (s >= 0 && s < end) end = s;
  }
  const encoded = rest.slice(0, end);
  return encoded ? decodeURIComponent(encoded) : undefined;
}

/**
 * The link matching `pattern` in a mail, moved onto `origin` (the test server): mails name the
 * configured public URL, which the browser in the test cannot reach.
 */
export function mailedLink(text: string, pattern: RegExp, origin: string): string {
  const m = pattern.exec(text);
  if (!m) throw new Error(`no link matching ${pattern} in mail:\n${text}`);
  const u = new URL(m[0]);
  return `${origin}${u.pathname}${u.search}${u.hash}`;
}
