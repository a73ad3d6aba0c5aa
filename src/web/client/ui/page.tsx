import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { boot } from '../boot.js';
import { t } from '../i18n/index.js';

/**
 * The frame of every page: the brand (logo or company name), a skip link, and one card for the
 * content (`wide` for tables). Sets the document title so that each page has its own.
 */
export function Page(p: { title: string; wide?: boolean; children: ComponentChildren; nav?: ComponentChildren }) {
  useEffect(() => {
    document.title = `${p.title} · ${boot.company}`;
  }, [p.title]);
  return (
    <>
      <a class="skip" href="#main">
        {t('app.skipToContent')}
      </a>
      <header class="brand">
        {boot.logoUrl ? <img src={boot.logoUrl} alt={boot.company} class="logo" /> : <span class="company">{boot.company}</span>}
        {p.nav}
      </header>
      <main id="main" class={p.wide ? 'card wide' : 'card'} tabIndex={-1}>
        <h1>{p.title}</h1>
        {p.children}
      </main>
    </>
  );
}
