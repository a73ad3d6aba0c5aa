import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { errorText } from '../../api.js';
import { formatDate, t } from '../../i18n/index.js';
import { Button, Field } from '../../ui/form.js';
import { api, qs, type Paged } from './session.js';
import { confirmed, Outcome, Pager, Table, useLoad } from './parts.js';

interface AuthSession {
  id: number;
  title: string | null;
  user_id: number;
  auth_provider: string | null;
  ip: string | null;
  browser_name: string | null;
  os_name: string | null;
  revoked: boolean;
  expires_at: string | null;
  created_at: string;
}

const LIMIT = 20;

/** Sessions of every dialect and personal access tokens: the live ones (or all), by account; revoke. */
export function Sessions() {
  const { query } = useLocation();
  const [user, setUser] = useState(query.user ?? '');
  const [filter, setFilter] = useState({ user: query.user ?? '', all: false });
  const [all, setAll] = useState(false);
  const [skip, setSkip] = useState(0);
  const [error, setError] = useState('');
  const list = useLoad(
    () => api<Paged<AuthSession>>('GET', `/auth_sessions${qs({ $limit: LIMIT, $skip: skip, $sort: { id: -1 }, user_id: filter.user || undefined, revoked: filter.all ? undefined : 'false' })}`),
    [filter.user, filter.all, skip],
  );
  async function revoke(s: AuthSession) {
    if (!confirmed(t('admin.sessions.revokeConfirm'))) return;
    const r = await api('PATCH', `/auth_sessions/${s.id}`, { revoked: true });
    if (r.ok) list.reload();
    else setError(errorText(r));
  }
  return (
    <>
      <form
        class="actions"
        onSubmit={(e) => {
          e.preventDefault();
          setSkip(0);
          setFilter({ user: user.trim(), all });
        }}
      >
        <Field label={t('admin.sessions.userId')} name="session-user" inputMode="numeric" value={user} onValue={setUser} />
        <label>
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.currentTarget.checked)} /> {t('admin.sessions.includeRevoked')}
        </label>
        <Button kind="secondary">{t('admin.filter')}</Button>
      </form>
      <Outcome error={list.error || error} />
      {list.data && (
        <>
          <Table
            caption={t('admin.sessions.caption', { total: list.data.total })}
            head={[t('admin.sessions.id'), t('admin.sessions.user'), t('admin.sessions.kind'), t('admin.sessions.device'), t('admin.sessions.created'), t('admin.sessions.state'), t('admin.actions')]}
            empty={!list.data.data.length}
          >
            {list.data.data.map((s) => (
              <tr key={s.id} data-session={s.id}>
                <td>{s.id}</td>
                <td>
                  <a href={`/admin/users/${s.user_id}`}>{s.user_id}</a>
                </td>
                <td>{s.title ?? s.auth_provider ?? ''}</td>
                <td>{[s.browser_name, s.os_name, s.ip].filter(Boolean).join(' · ')}</td>
                <td>{formatDate(s.created_at)}</td>
                <td>{s.revoked ? t('admin.sessions.revoked') : t('admin.sessions.live')}</td>
                <td>
                  {!s.revoked && (
                    <Button type="button" kind="link" onClick={() => void revoke(s)} aria-label={t('admin.sessions.revokeOf', { id: s.id })}>
                      {t('admin.sessions.revoke')}
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </Table>
          <Pager total={list.data.total} skip={skip} limit={LIMIT} onSkip={setSkip} />
        </>
      )}
    </>
  );
}
