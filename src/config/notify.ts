import type { Config } from './index.js';
import type { Spec } from './settings.js';

/** How mail and SMS go out. */
export interface NotifyConfig {
  smtpUrl: string | undefined;
  mailFrom: string;
  /** Where SMS go (POST `{to, message}`); unset: nothing is sent by SMS and phone requests are refused. */
  smsWebhookUrl: string | undefined;
  /** Sent as `Authorization: Bearer …` to the SMS webhook, when set. */
  smsWebhookToken: string | undefined;
}

export const NOTIFY_SETTINGS: { [K in keyof NotifyConfig]: Spec<Config> } = {
  smtpUrl: { env: 'SMTP_URL', def: () => undefined, kind: 'optional' },
  mailFrom: { env: 'MAIL_FROM', def: () => 'Gatehouse <no-reply@localhost>', kind: 'string' },
  smsWebhookUrl: { env: 'SMS_WEBHOOK_URL', def: () => undefined, kind: 'optional' },
  smsWebhookToken: { env: 'SMS_WEBHOOK_TOKEN', def: () => undefined, kind: 'optional' },
};
