import { boot } from '../boot.js';
import { en, type MessageKey } from './en/index.js';
import { fr } from './fr/index.js';

export type { MessageKey };

/** Every catalogue has every key of English (checked by the compiler: see fr/index.ts). */
const catalogues: Record<string, Record<MessageKey, string>> = { en, fr };
const messages = catalogues[boot.locale] ?? en;

/**
 * The text of `key` in the page's language, with `{name}` placeholders filled from `vars`.
 * Values are plain text: Preact escapes them when rendering, so a value never becomes markup.
 */
export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  return messages[key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

/** The text of an API's reason code (`invalid-credentials`, …) when the catalogue has one. */
export function reasonText(reason: string | undefined): string | undefined {
  const key = `reason.${reason ?? ''}`;
  return key in messages ? messages[key as MessageKey] : undefined;
}

/** Dates and times as the page's language writes them. */
export const formatDate = (d: string | number | Date) => new Intl.DateTimeFormat(boot.locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(d));
