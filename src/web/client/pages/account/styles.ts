import type { CSSProperties } from 'preact';

/**
 * The few layouts the account pages need beyond styles/app.css, as style objects: Preact sets
 * them through the CSSOM, which the CSP (`style-src 'self'`) allows, where a `style="…"`
 * attribute in markup would be refused.
 */
export const css = {
  row: { display: 'flex', flexWrap: 'wrap', justifyContent: 'space-between', alignItems: 'center', gap: '.5rem 1rem', padding: '.6rem 0', borderBottom: '1px solid #e5e7eb' },
  badge: { display: 'inline-block', marginLeft: '.5rem', padding: '0 .5rem', borderRadius: '999px', fontSize: '.8rem', fontWeight: 700, border: '1px solid currentColor', color: 'var(--ok)' },
  badgeOff: { display: 'inline-block', padding: '0 .5rem', borderRadius: '999px', fontSize: '.8rem', fontWeight: 700, border: '1px solid currentColor', color: 'var(--muted)' },
  narrow: { maxWidth: '26rem' },
  qr: { display: 'block', margin: '.5rem 0', border: '1px solid #e5e7eb', background: '#fff' },
  groupHead: { display: 'flex', flexWrap: 'wrap', justifyContent: 'space-between', alignItems: 'center', gap: '.5rem' },
  h3: { fontSize: '1rem', margin: '1rem 0 .5rem' },
  bar: { display: 'flex', alignItems: 'center', gap: '1rem' },
  hidden: { position: 'absolute', width: '1px', height: '1px', overflow: 'hidden', clip: 'rect(0 0 0 0)', whiteSpace: 'nowrap' },
  secret: { fontSize: '1.05rem', letterSpacing: '.05em' },
} satisfies Record<string, CSSProperties>;
