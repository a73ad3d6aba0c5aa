import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { formatDate, t } from '../../i18n/index.js';
import { Button, Field } from '../../ui/form.js';
import { api, qs, type Paged } from './session.js';
import { Outcome, Pager, Table, useLoad } from './parts.js';

interface AuditEntry {
  id: number;
  source_table: string;
  event: string;
  custom_event: string | null;
  table_id: number | null;
  user_id: number | null;
  created_at: string;
}

const LIMIT = 25;

/** `datetime-local` value → ISO time, or undefined. */
const isoOf = (v: string) => (v ? new Date(v).toISOString() : undefined);

/** The audit log (Feathers `events`), newest first; filter by account, module (service or area) and time. */
export function Audit() {
  const { query } = useLocation();
  const [user, setUser] = useState(query.user ?? '');
  const [module, setModule] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [filter, setFilter] = useState({ user: query.user ?? '', module: '', from: '', to: '' });
  const [skip, setSkip] = useState(0);
  const list = useLoad(
    () =>
      api<Paged<AuditEntry>>(
        'GET',
        `/events${qs({
          $limit: LIMIT,
          $skip: skip,
          $sort: { id: -1 },
          user_id: filter.user || undefined,
          source_table: filter.module || undefined,
          created_at: filter.from || filter.to ? { $gte: isoOf(filter.from), $lte: isoOf(filter.to) } : undefined,
        })}`,
      ),
    [filter, skip],
  );
  return (
    <>
      <form
        class="actions"
        onSubmit={(e) => {
          e.preventDefault();
          setSkip(0);
          setFilter({ user: user.trim(), module: module.trim(), from, to });
        }}
      >
        <Field label={t('admin.audit.user')} name="audit-user" inputMode="numeric" value={user} onValue={setUser} />
        <Field label={t('admin.audit.module')} name="audit-module" value={module} onValue={setModule} hint={t('admin.audit.moduleHint')} />
        <Field label={t('admin.audit.from')} name="audit-from" type="datetime-local" value={from} onValue={setFrom} />
        <Field label={t('admin.audit.to')} name="audit-to" type="datetime-local" value={to} onValue={setTo} />
        <Button kind="secondary">{t('admin.filter')}</Button>
      </form>
      <Outcome error={list.error} />
      {list.data && (
        <>
          <Table caption={t('admin.audit.caption', { total: list.data.total })} head={[t('admin.audit.when'), t('admin.audit.user'), t('admin.audit.module'), t('admin.audit.what'), t('admin.audit.record')]} empty={!list.data.data.length}>
            {list.data.data.map((e) => (
              <tr key={e.id} data-user={e.user_id ?? ''} data-module={e.source_table}>
                <td>{formatDate(e.created_at)}</td>
                <td>{e.user_id === null ? '' : <a href={`/admin/users/${e.user_id}`}>{e.user_id}</a>}</td>
                <td>{e.source_table}</td>
                <td>{e.custom_event ?? e.event}</td>
                <td>{e.table_id ?? ''}</td>
              </tr>
            ))}
          </Table>
          <Pager total={list.data.total} skip={skip} limit={LIMIT} onSkip={setSkip} />
        </>
      )}
    </>
  );
}
