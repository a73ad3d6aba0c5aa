import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';

/** A mail handed to SMTP (or written to the outbox), or one that failed to go. */
export type MailOutcome = 'sent' | 'failed';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/**
 * SMTP when SMTP_URL is set; otherwise each message is written to `<data>/outbox/*.eml`. The log
 * only says that a mail went out and to whom: bodies carry one-time links and never reach it.
 */
export function mailer(opts: { smtpUrl: string | undefined; from: string; dataDir: string; log: Logger }) {
  const transport = opts.smtpUrl
    ? nodemailer.createTransport(opts.smtpUrl)
    : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const outbox = join(resolve(opts.dataDir), 'outbox');
  const observers: ((outcome: MailOutcome) => void)[] = [];
  const tell = (outcome: MailOutcome) => {
    for (const o of observers) o(outcome);
  };
  async function deliver(mail: Mail): Promise<void> {
    const info = await transport.sendMail({ from: opts.from, to: mail.to, subject: mail.subject, text: mail.text });
    if (!opts.smtpUrl) {
      // Owner only (the data directory too, when this creates it): the mails carry one-time links.
      await mkdir(outbox, { recursive: true, mode: 0o700 });
      const file = join(outbox, `${Date.now()}-${randomBytes(4).toString('hex')}.eml`);
      await writeFile(file, (info as unknown as { message: Buffer }).message, { mode: 0o600, flag: 'wx' });
      opts.log.info({ to: mail.to, subject: mail.subject, file }, 'mail written to outbox');
    } else {
      opts.log.info({ to: mail.to, subject: mail.subject }, 'mail sent');
    }
  }
  return {
    async send(mail: Mail): Promise<void> {
      try {
        await deliver(mail);
      } catch (e) {
        tell('failed');
        throw e;
      }
      tell('sent');
    },
    /** Sends without making the caller wait or fail; delivery errors are logged. */
    sendLater(mail: Mail): void {
      this.send(mail).catch((err: Error) => opts.log.error({ to: mail.to, subject: mail.subject, err: err.message }, 'mail delivery failed'));
    },
    /** Calls `o` after every delivery, sent or failed (metrics); returns the removal. */
    observe(o: (outcome: MailOutcome) => void): () => void {
      observers.push(o);
      return () => {
        const i = observers.indexOf(o);
        if (i >= 0) observers.splice(i, 1);
      };
    },
    close: () => transport.close(),
  };
}
export type Mailer = ReturnType<typeof mailer>;
