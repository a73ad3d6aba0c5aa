import type { Boot } from '../shell.js';

/** What the server put in the page (src/web/shell.ts): read once, before the first render. */
export const boot: Boot = JSON.parse(document.getElementById('boot')?.textContent ?? '{}') as Boot;

/** simple-auth's CSRF token, as its UI reads it from `<meta name="csrf">`. */
export const csrf = document.querySelector<HTMLMetaElement>('meta[name=csrf]')?.content ?? '';
