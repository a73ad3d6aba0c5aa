import { useState } from 'preact/hooks';
import { errorText } from '../../api.js';
import { formatDate, t } from '../../i18n/index.js';
import { Button, Field } from '../../ui/form.js';
import { api, qs, type Paged } from './session.js';
import { Outcome, Pager, Table, useLoad } from './parts.js';

/** An account as `admin_users` answers it. */
export interface AdminUser {
  id: number;
  uuid: string;
  username: string;
  email: string | null;
  phone: string | null;
  status: string;
  disabled: boolean;
  roles: string[];
  clients: string[];
  created_at: string;
  last_login_at: string | null;
}

const LIMIT = 20;

/** Accounts: search by username, email or phone; a page at a time; a form to create one. */
export function Users() {
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const [skip, setSkip] = useState(0);
  const list = useLoad(() => api<Paged<AdminUser>>('GET', `/admin_users${qs({ q: search, $limit: LIMIT, $skip: skip })}`), [search, skip]);
  return (
    <>
      <form
        role="search"
        class="actions"
        onSubmit={(e) => {
          e.preventDefault();
          setSkip(0);
          setSearch(q);
        }}
      >
        <Field label={t('admin.users.search')} name="q" type="search" value={q} onValue={setQ} />
        <Button kind="secondary">{t('app.search')}</Button>
      </form>
      <Outcome error={list.error} />
      {list.data && (
        <>
          <Table caption={t('admin.users.caption', { total: list.data.total })} head={[t('admin.users.username'), t('admin.users.email'), t('admin.users.status'), t('admin.users.roles'), t('admin.users.lastLogin')]} empty={!list.data.data.length}>
            {list.data.data.map((u) => (
              <tr key={u.id}>
                <td>
                  <a href={`/admin/users/${u.id}`}>{u.username}</a>
                </td>
                <td>{u.email ?? ''}</td>
                <td>{u.disabled ? t('admin.users.disabled') : u.status}</td>
                <td>{u.roles.join(', ')}</td>
                <td>{u.last_login_at ? formatDate(u.last_login_at) : t('admin.never')}</td>
              </tr>
            ))}
          </Table>
          <Pager total={list.data.total} skip={skip} limit={LIMIT} onSkip={setSkip} />
        </>
      )}
      <CreateUser onCreated={list.reload} />
    </>
  );
}

function CreateUser(p: { onCreated: () => void }) {
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [admin, setAdmin] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [done, setDone] = useState('');

  async function submit(e: Event) {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (!username.trim()) errs.username = t('app.required');
    if (!password) errs.password = t('app.required');
    setFieldErrors(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    setError('');
    setDone('');
    const r = await api<AdminUser & { data?: { field?: string } }>('POST', '/admin_users', { username: username.trim(), email: email.trim() || null, password, roles: admin ? ['admin'] : undefined });
    setBusy(false);
    if (!r.ok) {
      const field = r.data.data?.field;
      if (field === 'username' || field === 'email' || field === 'password') setFieldErrors({ [field]: errorText(r) });
      else setError(errorText(r));
      return;
    }
    setDone(t('admin.users.created', { username: r.data.username }));
    setUsername('');
    setEmail('');
    setPassword('');
    setAdmin(false);
    p.onCreated();
  }

  return (
    <section aria-labelledby="create-user">
      <h2 id="create-user">{t('admin.users.create')}</h2>
      <form onSubmit={submit} noValidate>
        <Outcome error={error} done={done} />
        <Field label={t('admin.users.username')} name="new-username" autoComplete="off" value={username} onValue={setUsername} error={fieldErrors.username} required />
        <Field label={t('admin.users.email')} name="new-email" type="email" autoComplete="off" value={email} onValue={setEmail} error={fieldErrors.email} />
        <Field label={t('admin.users.password')} name="new-password" type="password" autoComplete="new-password" value={password} onValue={setPassword} error={fieldErrors.password} required />
        <div class="field">
          <label>
            <input type="checkbox" name="new-admin" checked={admin} onChange={(e) => setAdmin(e.currentTarget.checked)} /> {t('admin.users.makeAdmin')}
          </label>
        </div>
        <Button busy={busy}>{t('admin.users.createSubmit')}</Button>
      </form>
    </section>
  );
}
