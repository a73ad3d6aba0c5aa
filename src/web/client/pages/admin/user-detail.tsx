import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../../api.js';
import { formatDate, t } from '../../i18n/index.js';
import { Button, Field } from '../../ui/form.js';
import { api, qs, type Paged } from './session.js';
import { confirmed, Outcome, Table, useLoad } from './parts.js';
import type { AdminUser } from './users.js';

interface Named {
  id: number;
  slug: string;
  name: string | null;
}
interface GroupRole {
  id: number;
  user_id: number;
  group_id: number;
  role_id: number;
}

/** One account: profile basics, enable/disable, password reset, sign-out everywhere, roles, groups, ARC clients (allow, remove). */
export function UserDetail(p: { id: number }) {
  const user = useLoad(() => api<AdminUser>('GET', `/admin_users/${p.id}`), [p.id]);
  const [error, setError] = useState('');
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState('');

  async function act(name: string, run: () => Promise<{ ok: boolean; status: number; data: unknown }>, message: string) {
    setBusy(name);
    setError('');
    setDone('');
    const r = await run();
    setBusy('');
    if (!r.ok) setError(errorText(r as never));
    else {
      setDone(message);
      user.reload();
    }
  }

  if (user.error) return <Outcome error={user.error} />;
  const u = user.data;
  if (!u) return <p>{t('app.loading')}</p>;
  return (
    <>
      <p>
        <a href="/admin/users">{t('admin.user.back')}</a>
      </p>
      <h2>{u.username}</h2>
      <dl class="props">
        <dt>{t('admin.users.status')}</dt>
        <dd data-status={u.disabled ? 'disabled' : 'enabled'}>{u.disabled ? t('admin.users.disabled') : u.status}</dd>
        <dt>{t('admin.user.created')}</dt>
        <dd>{formatDate(u.created_at)}</dd>
        <dt>{t('admin.users.lastLogin')}</dt>
        <dd>{u.last_login_at ? formatDate(u.last_login_at) : t('admin.never')}</dd>
        <dt>{t('admin.user.uuid')}</dt>
        <dd>
          <code>{u.uuid}</code>
        </dd>
      </dl>
      <div aria-live="polite">
        <Outcome error={error} done={done} />
      </div>
      <div class="actions">
        {u.disabled ? (
          <Button type="button" kind="secondary" busy={busy === 'enable'} onClick={() => void act('enable', () => api('PATCH', `/admin_users/${u.id}`, { disabled: false }), t('admin.user.enabled'))}>
            {t('admin.user.enable')}
          </Button>
        ) : (
          <Button
            type="button"
            kind="danger"
            busy={busy === 'disable'}
            onClick={() => confirmed(t('admin.user.disableConfirm', { username: u.username })) && void act('disable', () => api('PATCH', `/admin_users/${u.id}`, { disabled: true }), t('admin.user.disabledDone'))}
          >
            {t('admin.user.disable')}
          </Button>
        )}
        <Button
          type="button"
          kind="secondary"
          busy={busy === 'signout'}
          onClick={() => confirmed(t('admin.user.signOutConfirm', { username: u.username })) && void act('signout', () => api('POST', '/admin_users', { id: u.id }, 'signOut'), t('admin.user.signedOut'))}
        >
          {t('admin.user.signOut')}
        </Button>
        <a href={`/admin/sessions?user=${u.id}`}>{t('admin.user.sessions')}</a>
        <a href={`/admin/audit?user=${u.id}`}>{t('admin.user.audit')}</a>
      </div>
      <Profile u={u} onSaved={(m) => { setDone(m); user.reload(); }} />
      <Password u={u} />
      <Roles u={u} onSaved={user.reload} />
      <Groups u={u} />
      <ArcClients u={u} onSaved={user.reload} />
    </>
  );
}

function Profile(p: { u: AdminUser; onSaved: (m: string) => void }) {
  const [username, setUsername] = useState(p.u.username);
  const [email, setEmail] = useState(p.u.email ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError('');
    const r = await api('PATCH', `/admin_users/${p.u.id}`, { username: username.trim(), email: email.trim() || null });
    setBusy(false);
    if (r.ok) p.onSaved(t('admin.saved'));
    else setError(errorText(r));
  }
  return (
    <section aria-labelledby="user-profile">
      <h2 id="user-profile">{t('admin.user.profile')}</h2>
      <form onSubmit={submit} noValidate>
        <Outcome error={error} />
        <Field label={t('admin.users.username')} name="username" value={username} onValue={setUsername} />
        <Field label={t('admin.users.email')} name="email" type="email" value={email} onValue={setEmail} />
        <Button busy={busy} kind="secondary">
          {t('app.save')}
        </Button>
      </form>
    </section>
  );
}

function Password(p: { u: AdminUser }) {
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [done, setDone] = useState('');
  async function submit(e: Event) {
    e.preventDefault();
    if (!password) {
      setError(t('app.required'));
      return;
    }
    setBusy(true);
    setError('');
    setDone('');
    const r = await api('PATCH', `/admin_users/${p.u.id}`, { password });
    setBusy(false);
    if (r.ok) {
      setPassword('');
      setDone(t('admin.user.passwordSet'));
    } else setError(errorText(r));
  }
  return (
    <section aria-labelledby="user-password">
      <h2 id="user-password">{t('admin.user.password')}</h2>
      <form onSubmit={submit} noValidate>
        <Outcome error={error} done={done} />
        <Field label={t('admin.user.newPassword')} name="reset-password" type="password" autoComplete="new-password" value={password} onValue={setPassword} hint={t('admin.user.passwordHint')} />
        <Button busy={busy} kind="secondary">
          {t('admin.user.setPassword')}
        </Button>
      </form>
    </section>
  );
}

function Roles(p: { u: AdminUser; onSaved: () => void }) {
  const roles = useLoad(() => api<Paged<Named>>('GET', `/roles${qs({ $limit: 50, $sort: { slug: 1 } })}`), []);
  const [chosen, setChosen] = useState<string[]>(p.u.roles);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [done, setDone] = useState('');
  useEffect(() => setChosen(p.u.roles), [p.u.roles.join(',')]);
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError('');
    setDone('');
    const r = await api('PATCH', `/admin_users/${p.u.id}`, { roles: chosen });
    setBusy(false);
    if (r.ok) {
      setDone(t('admin.saved'));
      p.onSaved();
    } else setError(errorText(r));
  }
  return (
    <section aria-labelledby="user-roles">
      <h2 id="user-roles">{t('admin.users.roles')}</h2>
      <Outcome error={roles.error || error} done={done} />
      <form onSubmit={submit}>
        <fieldset>
          <legend>{t('admin.user.rolesLegend')}</legend>
          {(roles.data?.data ?? []).map((r) => (
            <label key={r.id}>
              <input type="checkbox" name="role" value={r.slug} checked={chosen.includes(r.slug)} onChange={(e) => setChosen(e.currentTarget.checked ? [...chosen, r.slug] : chosen.filter((x) => x !== r.slug))} /> {r.name || r.slug}
            </label>
          ))}
        </fieldset>
        <div class="actions">
          <Button busy={busy} kind="secondary">
            {t('admin.user.saveRoles')}
          </Button>
        </div>
      </form>
    </section>
  );
}

function Groups(p: { u: AdminUser }) {
  const links = useLoad(() => api<Paged<GroupRole>>('GET', `/user_group_roles${qs({ user_id: p.u.id, $limit: 50 })}`), [p.u.id]);
  const groups = useLoad(() => api<Paged<Named>>('GET', `/access_groups${qs({ $limit: 50, $sort: { slug: 1 } })}`), []);
  const roles = useLoad(() => api<Paged<Named>>('GET', `/roles${qs({ $limit: 50, $sort: { slug: 1 } })}`), []);
  const [group, setGroup] = useState('');
  const [role, setRole] = useState('');
  const [error, setError] = useState('');
  const name = (list: Named[] | undefined, id: number) => list?.find((x) => x.id === id)?.slug ?? String(id);
  async function add(e: Event) {
    e.preventDefault();
    if (!group || !role) {
      setError(t('admin.user.groupPick'));
      return;
    }
    const r = await api('POST', '/user_group_roles', { user_id: p.u.id, group_id: Number(group), role_id: Number(role) });
    if (r.ok) {
      setError('');
      links.reload();
    } else setError(errorText(r));
  }
  async function remove(id: number) {
    const r = await api('DELETE', `/user_group_roles/${id}`);
    if (r.ok) links.reload();
    else setError(errorText(r));
  }
  return (
    <section aria-labelledby="user-groups">
      <h2 id="user-groups">{t('admin.user.groups')}</h2>
      <Outcome error={links.error || error} />
      <Table caption={t('admin.user.groupsCaption')} head={[t('admin.groups.group'), t('admin.groups.role'), t('admin.actions')]} empty={!links.data?.data.length}>
        {(links.data?.data ?? []).map((l) => (
          <tr key={l.id}>
            <td>{name(groups.data?.data, l.group_id)}</td>
            <td>{name(roles.data?.data, l.role_id)}</td>
            <td>
              <Button type="button" kind="link" onClick={() => void remove(l.id)}>
                {t('admin.remove')}
              </Button>
            </td>
          </tr>
        ))}
      </Table>
      <form class="actions" onSubmit={add}>
        <div class="field">
          <label for="add-group">{t('admin.groups.group')}</label>
          <select id="add-group" value={group} onChange={(e) => setGroup(e.currentTarget.value)}>
            <option value="">—</option>
            {(groups.data?.data ?? []).map((g) => (
              <option key={g.id} value={g.id}>
                {g.name || g.slug}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="add-group-role">{t('admin.groups.role')}</label>
          <select id="add-group-role" value={role} onChange={(e) => setRole(e.currentTarget.value)}>
            <option value="">—</option>
            {(roles.data?.data ?? []).map((r) => (
              <option key={r.id} value={r.id}>
                {r.name || r.slug}
              </option>
            ))}
          </select>
        </div>
        <Button kind="secondary">{t('admin.user.addGroup')}</Button>
      </form>
    </section>
  );
}

function ArcClients(p: { u: AdminUser; onSaved: () => void }) {
  const clients = useLoad(() => api<Paged<{ id: number; clientId: string }>>('GET', '/admin_arc_clients'), []);
  const [pick, setPick] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState('');
  async function allow(e: Event) {
    e.preventDefault();
    if (!pick) return;
    const r = await api('POST', '/admin_users', { id: p.u.id, clientId: Number(pick) }, 'allowClient');
    if (r.ok) {
      setError('');
      setPick('');
      p.onSaved();
    } else setError(errorText(r));
  }
  async function disallow(clientId: string) {
    const c = (clients.data?.data ?? []).find((x) => x.clientId === clientId);
    if (!c || !confirmed(t('admin.user.removeClientConfirm', { username: p.u.username, clientId }))) return;
    setBusy(clientId);
    const r = await api('POST', '/admin_users', { id: p.u.id, clientId: c.id }, 'disallowClient');
    setBusy('');
    if (r.ok) {
      setError('');
      p.onSaved();
    } else setError(errorText(r));
  }
  const others = (clients.data?.data ?? []).filter((c) => !p.u.clients.includes(c.clientId));
  return (
    <section aria-labelledby="user-clients">
      <h2 id="user-clients">{t('admin.user.clients')}</h2>
      <Outcome error={clients.error || error} />
      {p.u.clients.length ? (
        <ul data-testid="user-clients">
          {p.u.clients.map((c) => (
            <li key={c} data-client={c}>
              <span>{c}</span>{' '}
              <Button type="button" kind="link" busy={busy === c} disabled={!clients.data} onClick={() => void disallow(c)} aria-label={t('admin.user.removeClientOf', { clientId: c })}>
                {t('admin.user.removeClient')}
              </Button>
            </li>
          ))}
        </ul>
      ) : (
        <p data-testid="user-clients">{t('admin.user.noClients')}</p>
      )}
      <form class="actions" onSubmit={allow}>
        <div class="field">
          <label for="allow-client">{t('admin.user.allowClient')}</label>
          <select id="allow-client" value={pick} onChange={(e) => setPick(e.currentTarget.value)}>
            <option value="">—</option>
            {others.map((c) => (
              <option key={c.id} value={c.id}>
                {c.clientId}
              </option>
            ))}
          </select>
        </div>
        <Button kind="secondary">{t('admin.user.allow')}</Button>
      </form>
    </section>
  );
}
