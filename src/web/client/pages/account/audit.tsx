import { useEffect, useState } from 'preact/hooks';
import { simple } from '../../api.js';
import { t } from '../../i18n/index.js';
import { Alert, Button } from '../../ui/form.js';
import { failure, Section, when, type SectionProps } from './shared.js';
import { css } from './styles.js';

const PAGE = 10;

interface Record {
  ts: string;
  module: string;
  level: string;
  message: string;
}

/**
 * The account's audit trail, newest first, 10 at a time (`GET /api/v1/account/audit`). One more
 * record than shown is asked for, so "Next" is offered only when there is a next page.
 */
export function Audit({ signedOut }: SectionProps) {
  const [page, setPage] = useState(0);
  const [records, setRecords] = useState<Record[] | undefined>(undefined);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let live = true;
    setBusy(true);
    void simple<{ records: Record[] }>('GET', `account/audit?offset=${page * PAGE}&limit=${PAGE + 1}`).then((r) => {
      if (!live) return;
      setBusy(false);
      if (signedOut(r)) return;
      if (!r.ok) return setError(failure(r));
      setError(undefined);
      setRecords(r.data.records.slice(0, PAGE));
      setMore(r.data.records.length > PAGE);
    });
    return () => {
      live = false;
    };
  }, [page]);

  return (
    <Section id="audit" title={t('account.audit.heading')}>
      {error && <Alert kind="error">{error}</Alert>}
      {records === undefined && !error && (
        <p class="muted" role="status">
          {t('app.loading')}
        </p>
      )}
      {records && records.length === 0 && <p class="muted">{t('account.audit.none')}</p>}
      {records && records.length > 0 && (
        <div class="table-wrap">
          <table aria-busy={busy ? 'true' : undefined}>
            <caption style={css.hidden}>{t('account.audit.caption', { page: page + 1 })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('account.audit.when')}</th>
                <th scope="col" class="optional">
                  {t('account.audit.module')}
                </th>
                <th scope="col" class="optional">
                  {t('account.audit.level')}
                </th>
                <th scope="col">{t('account.audit.message')}</th>
              </tr>
            </thead>
            <tbody>
              {records.map((x, i) => (
                <tr key={`${page}-${i}`}>
                  <td>{when(x.ts)}</td>
                  <td class="optional">{x.module}</td>
                  <td class="optional">{x.level}</td>
                  <td>{x.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {records && (page > 0 || more) && (
        <nav class="actions" aria-label={t('account.audit.pages')}>
          <Button type="button" kind="secondary" disabled={page === 0 || busy} onClick={() => setPage(page - 1)}>
            {t('app.previous')}
          </Button>
          <span class="muted" aria-live="polite">
            {t('account.audit.page', { page: page + 1 })}
          </span>
          <Button type="button" kind="secondary" disabled={!more || busy} onClick={() => setPage(page + 1)}>
            {t('app.next')}
          </Button>
        </nav>
      )}
    </Section>
  );
}
