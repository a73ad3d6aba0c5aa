import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { errorText, type ApiResult } from '../../api.js';
import { t } from '../../i18n/index.js';
import { Alert, Button } from '../../ui/form.js';

/** Loads something when shown (and again on `reload`): its data, its error, whether it is loading. */
export function useLoad<T>(load: () => Promise<ApiResult<T>>, deps: unknown[]) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(true);
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    void load().then((r) => {
      if (!live) return;
      setLoading(false);
      if (r.ok) {
        setData(r.data);
        setError('');
      } else setError(errorText(r));
    });
    return () => {
      live = false;
    };
  }, [...deps, n]);
  const reload = useCallback(() => setN((x) => x + 1), []);
  return { data, error, loading, reload };
}

/** A table with a caption (screen readers name it by it) that scrolls sideways on narrow screens. */
export function Table(p: { caption: string; head: string[]; children: ComponentChildren; empty?: boolean }) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="muted">{p.caption}</caption>
        <thead>
          <tr>
            {p.head.map((h) => (
              <th scope="col" key={h}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {p.empty ? (
            <tr>
              <td colSpan={p.head.length} class="muted">
                {t('admin.empty')}
              </td>
            </tr>
          ) : (
            p.children
          )}
        </tbody>
      </table>
    </div>
  );
}

/** Previous / next over a Feathers page. */
export function Pager(p: { total: number; skip: number; limit: number; onSkip: (skip: number) => void }) {
  if (p.total <= p.limit && p.skip === 0) return null;
  const last = Math.min(p.total, p.skip + p.limit);
  return (
    <div class="actions">
      <Button type="button" kind="secondary" disabled={p.skip === 0} onClick={() => p.onSkip(Math.max(0, p.skip - p.limit))}>
        {t('app.previous')}
      </Button>
      <span class="muted">{t('admin.pageOf', { from: p.total ? p.skip + 1 : 0, to: last, total: p.total })}</span>
      <Button type="button" kind="secondary" disabled={last >= p.total} onClick={() => p.onSkip(p.skip + p.limit)}>
        {t('app.next')}
      </Button>
    </div>
  );
}

/** A secret shown this once, with the warning that it will not be shown again. */
export function SecretOnce(p: { label: string; value: string; onDone: () => void }) {
  return (
    <Alert kind="success">
      <p>
        <strong>{t('admin.secretOnce')}</strong>
      </p>
      <p>
        {p.label}: <code data-secret="once">{p.value}</code>
      </p>
      <Button type="button" kind="secondary" onClick={p.onDone}>
        {t('admin.secretKept')}
      </Button>
    </Alert>
  );
}

/** An error or a success message of the last action. */
export function Outcome(p: { error?: string; done?: string }) {
  if (p.error) return <Alert kind="error">{p.error}</Alert>;
  if (p.done) return <Alert kind="success">{p.done}</Alert>;
  return null;
}

/** A button that asks before a destructive action (the browser's own confirm dialog, keyboard-usable). */
export function confirmed(question: string): boolean {
  return window.confirm(question);
}
