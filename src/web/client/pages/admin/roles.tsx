import { useState } from 'preact/hooks';
import { errorText } from '../../api.js';
import { t, type MessageKey } from '../../i18n/index.js';
import { Button, Field } from '../../ui/form.js';
import { api, qs, type Paged } from './session.js';
import { confirmed, Outcome, Table, useLoad } from './parts.js';

interface Named {
  id: number;
  slug: string;
  name: string | null;
  description?: string | null;
  type_id?: number;
}
interface Link {
  id: number;
  role_id: number;
  access_scope_id: number;
}

const ALL = qs({ $limit: 50, $sort: { slug: 1 } });

/** Roles (with the access scopes each holds), access scopes, and access groups. */
export function Roles() {
  const scopes = useLoad(() => api<Paged<Named>>('GET', `/access_scopes${ALL}`), []);
  const types = useLoad(() => api<Paged<Named>>('GET', `/access_group_types${ALL}`), []);
  return (
    <>
      <Records service="roles" title="admin.roles.roles" scopes={scopes.data?.data} />
      <Records service="access_scopes" title="admin.roles.scopes" onChange={scopes.reload} />
      <Records service="access_groups" title="admin.roles.groups" types={types.data?.data} />
    </>
  );
}

function Records(p: { service: string; title: MessageKey; scopes?: Named[]; types?: Named[]; onChange?: () => void }) {
  const list = useLoad(() => api<Paged<Named>>('GET', `/${p.service}${ALL}`), [p.service]);
  const links = useLoad(() => (p.scopes ? api<Paged<Link>>('GET', `/role_access_scopes${qs({ $limit: 50 })}`) : Promise.resolve({ ok: true, status: 200, data: { total: 0, limit: 0, skip: 0, data: [] } as Paged<Link> })), [!!p.scopes]);
  const [slug, setSlug] = useState('');
  const [name, setName] = useState('');
  const [type, setType] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [linkRole, setLinkRole] = useState('');
  const [linkScope, setLinkScope] = useState('');
  const id = `sec-${p.service}`;

  async function create(e: Event) {
    e.preventDefault();
    if (!slug.trim() || (p.types && !type)) {
      setError(t('admin.roles.missing'));
      return;
    }
    setBusy(true);
    setError('');
    const r = await api('POST', `/${p.service}`, { slug: slug.trim(), name: name.trim() || slug.trim(), ...(p.types && { type_id: Number(type) }) });
    setBusy(false);
    if (!r.ok) return setError(errorText(r));
    setSlug('');
    setName('');
    list.reload();
    p.onChange?.();
  }
  async function remove(r: Named) {
    if (!confirmed(t('admin.roles.deleteConfirm', { slug: r.slug }))) return;
    const res = await api('DELETE', `/${p.service}/${r.id}`);
    if (!res.ok) return setError(errorText(res));
    list.reload();
    p.onChange?.();
  }
  async function link(e: Event) {
    e.preventDefault();
    if (!linkRole || !linkScope) return;
    const r = await api('POST', '/role_access_scopes', { role_id: Number(linkRole), access_scope_id: Number(linkScope) });
    if (!r.ok) return setError(errorText(r));
    links.reload();
  }
  async function unlink(l: Link) {
    const r = await api('DELETE', `/role_access_scopes/${l.id}`);
    if (!r.ok) return setError(errorText(r));
    links.reload();
  }
  const scopeSlug = (sid: number) => p.scopes?.find((s) => s.id === sid)?.slug ?? String(sid);
  const head = [t('admin.roles.slug'), t('admin.roles.name'), ...(p.scopes ? [t('admin.roles.heldScopes')] : []), ...(p.types ? [t('admin.roles.type')] : []), t('admin.actions')];

  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{t(p.title)}</h2>
      <Outcome error={list.error || error} />
      <Table caption={t(p.title)} head={head} empty={!list.data?.data.length}>
        {(list.data?.data ?? []).map((r) => (
          <tr key={r.id}>
            <td>{r.slug}</td>
            <td>{r.name ?? ''}</td>
            {p.scopes && (
              <td>
                <ul class="plain">
                  {(links.data?.data ?? [])
                    .filter((l) => l.role_id === r.id)
                    .map((l) => (
                      <li key={l.id}>
                        {scopeSlug(l.access_scope_id)}{' '}
                        <Button type="button" kind="link" onClick={() => void unlink(l)} aria-label={t('admin.roles.unlinkOf', { scope: scopeSlug(l.access_scope_id), role: r.slug })}>
                          {t('admin.remove')}
                        </Button>
                      </li>
                    ))}
                </ul>
              </td>
            )}
            {p.types && <td>{p.types.find((x) => x.id === r.type_id)?.slug ?? ''}</td>}
            <td>
              <Button type="button" kind="link" onClick={() => void remove(r)} aria-label={t('admin.roles.deleteOf', { slug: r.slug })}>
                {t('app.delete')}
              </Button>
            </td>
          </tr>
        ))}
      </Table>
      <form class="actions" onSubmit={create} noValidate>
        <Field label={t('admin.roles.slug')} name={`${p.service}-slug`} value={slug} onValue={setSlug} required />
        <Field label={t('admin.roles.name')} name={`${p.service}-name`} value={name} onValue={setName} />
        {p.types && (
          <div class="field">
            <label for={`${p.service}-type`}>{t('admin.roles.type')}</label>
            <select id={`${p.service}-type`} value={type} onChange={(e) => setType(e.currentTarget.value)}>
              <option value="">—</option>
              {p.types.map((x) => (
                <option key={x.id} value={x.id}>
                  {x.name || x.slug}
                </option>
              ))}
            </select>
          </div>
        )}
        <Button busy={busy} kind="secondary">
          {t('app.create')}
        </Button>
      </form>
      {p.scopes && (
        <form class="actions" onSubmit={link}>
          <div class="field">
            <label for="link-role">{t('admin.roles.role')}</label>
            <select id="link-role" value={linkRole} onChange={(e) => setLinkRole(e.currentTarget.value)}>
              <option value="">—</option>
              {(list.data?.data ?? []).map((r) => (
                <option key={r.id} value={r.id}>
                  {r.slug}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="link-scope">{t('admin.roles.scope')}</label>
            <select id="link-scope" value={linkScope} onChange={(e) => setLinkScope(e.currentTarget.value)}>
              <option value="">—</option>
              {p.scopes.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.slug}
                </option>
              ))}
            </select>
          </div>
          <Button kind="secondary">{t('admin.roles.grant')}</Button>
        </form>
      )}
    </section>
  );
}
