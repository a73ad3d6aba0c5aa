/** The languages the pages have a complete message catalogue for (src/web/client/i18n/). */
export const LOCALES = ['en', 'fr'] as const;
export type Locale = (typeof LOCALES)[number];

const isLocale = (s: string): s is Locale => (LOCALES as readonly string[]).includes(s);

/**
 * The visitor's language: the best `Accept-Language` entry we have a catalogue for (by weight,
 * primary subtag only: `fr-CA` is `fr`), else the server's `LOCALE`, else English.
 */
export function pickLocale(acceptLanguage: string | undefined, configured: string): Locale {
  const wanted = (acceptLanguage ?? '')
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const weight = q ? Number(q.slice(2)) : 1;
      return { lang: tag.toLowerCase().split('-')[0] ?? '', weight: Number.isFinite(weight) ? weight : 0, i };
    })
    .filter((w) => w.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.i - b.i);
  for (const w of wanted) if (isLocale(w.lang)) return w.lang;
  const fallback = configured.toLowerCase().split(/[-_]/)[0] ?? '';
  return isLocale(fallback) ? fallback : 'en';
}
