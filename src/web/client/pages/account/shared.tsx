import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { errorText, type ApiResult } from '../../api.js';
import { formatDate, t } from '../../i18n/index.js';

/** `GET /api/v1/account` (simple-auth §4.4). */
export interface AccountInfo {
  id: string;
  created: string;
  email: string;
  name: string;
  auth: {
    local?: { username: string; twofactor: boolean; twofactorallowed: boolean; requireOldPassword: boolean };
    oidc?: { provider: string; subject: string; icon: string; name: string }[];
  };
}

/** What every section gets: the account, a way to read it again, and what to do when the session ended. */
export interface SectionProps {
  account: AccountInfo;
  reload: () => Promise<void>;
  /** Call with any API answer: a 401 (the session ended meanwhile) sends the browser to the sign-in page. */
  signedOut: (r: ApiResult<unknown>) => boolean;
}

/** A titled part of a page, labelled by its heading so screen readers list it as a region. */
export function Section(p: { id: string; title: string; children: ComponentChildren }) {
  return (
    <section aria-labelledby={`${p.id}-title`} >
      <h2 id={`${p.id}-title`}>{p.title}</h2>
      {p.children}
    </section>
  );
}

/** An action's state: busy while it runs, then its error or success message. */
export function useAction() {
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  return {
    busy,
    error,
    done,
    setError,
    setDone,
    /** Runs `fn` marked as `name` (the button that shows the spinner), clearing old messages first. */
    async run(name: string, fn: () => Promise<void>) {
      setBusy(name);
      setError(undefined);
      setDone(undefined);
      try {
        await fn();
      } finally {
        setBusy(undefined);
      }
    },
  };
}

/** The message of a failed call, from the account catalogue where it has one. */
export function failure(r: ApiResult<unknown>): string {
  return errorText(r);
}

/** Local date and time in the page's language, or the raw value when it is not a date. */
export const when = (iso: string): string => (Number.isNaN(new Date(iso).getTime()) ? iso : formatDate(iso));

/** The label of a thing for a button's accessible name ("Revoke" is not enough in a list). */
export const named = (action: string, what: string) => t('account.actionOn', { action, what });
