import type { Logger } from 'pino';

export interface Sms {
  /** The phone number, as the account holds it. */
  to: string;
  message: string;
}

/** Sends text messages. Another transport plugs in by implementing this. */
export interface SmsSender {
  /** Whether messages can be sent at all; operations that need SMS refuse when not (decision 13). */
  readonly configured: boolean;
  send(sms: Sms): Promise<void>;
}

/** How long the webhook may take before the message counts as not sent. */
const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * SMS through a webhook (`SMS_WEBHOOK_URL`): one POST of JSON `{to, message}` per message, with
 * `Authorization: Bearer <SMS_WEBHOOK_TOKEN>` when a token is set, answered by any 2xx. Without
 * a URL nothing can be sent. The log says only that a message went out and to whom: messages
 * carry one-time codes and never reach it, and neither does the token.
 */
export function webhookSms(opts: { url: string | undefined; token: string | undefined; log: Logger; timeoutMs?: number }): SmsSender {
  const { url, token, log } = opts;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    configured: !!url,
    async send(sms: Sms): Promise<void> {
      if (!url) throw new Error('SMS is not configured');
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ to: sms.to, message: sms.message }),
        signal: AbortSignal.timeout(timeoutMs),
        // A webhook answers itself; following a redirect would hand the message (and the token) to
        // wherever it points.
        redirect: 'error',
      });
      // The body is not needed; reading it frees the connection.
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) throw new Error(`SMS webhook answered ${res.status}`);
      log.info({ to: sms.to }, 'sms sent');
    },
  };
}
