import { useState } from 'preact/hooks';
import { errorText } from '../../api.js';
import { t } from '../../i18n/index.js';
import { Button, Field } from '../../ui/form.js';
import { api, type Paged } from './session.js';
import { confirmed, Outcome, SecretOnce, Table, useLoad } from './parts.js';

interface ArcClient {
  id: number;
  clientId: string;
  redirectUrl: string | null;
  accessTokenExpiration: number;
  refreshTokenExpiration: number;
  authCodeExpiration: number;
}
interface OAuth2Client {
  id: number;
  clientId: string;
  name: string;
  author: string;
  authorUrl: string;
  redirectUris: string[];
  scopes: string[];
  publicClient: boolean;
  source: string | null;
}

/** ARC clients and OAuth2 clients: list, create (the secret shown once), edit, new secret (shown once), delete. */
export function Clients() {
  return (
    <>
      <ArcClients />
      <OAuth2Clients />
    </>
  );
}

function ArcClients() {
  const list = useLoad(() => api<Paged<ArcClient>>('GET', '/admin_arc_clients'), []);
  const [secret, setSecret] = useState<{ clientId: string; value: string } | undefined>();
  const [editing, setEditing] = useState<ArcClient | undefined>();
  // A new key empties the form once a client is made.
  const [made, setMade] = useState(0);
  const [error, setError] = useState('');
  async function remove(c: ArcClient) {
    if (!confirmed(t('admin.clients.deleteConfirm', { clientId: c.clientId }))) return;
    const r = await api('DELETE', `/admin_arc_clients/${c.id}`);
    if (r.ok) list.reload();
    else setError(errorText(r));
  }
  async function rotate(c: ArcClient) {
    if (!confirmed(t('admin.clients.rotateConfirm', { clientId: c.clientId }))) return;
    const r = await api<{ clientSecret?: string }>('PATCH', `/admin_arc_clients/${c.id}`, { rotateSecret: true });
    if (r.ok && r.data.clientSecret) setSecret({ clientId: c.clientId, value: r.data.clientSecret });
    else setError(errorText(r));
  }
  return (
    <section aria-labelledby="arc-clients">
      <h2 id="arc-clients">{t('admin.clients.arc')}</h2>
      {secret && <SecretOnce label={t('admin.clients.secretOf', { clientId: secret.clientId })} value={secret.value} onDone={() => setSecret(undefined)} />}
      <Outcome error={list.error || error} />
      <Table caption={t('admin.clients.arcCaption')} head={[t('admin.clients.clientId'), t('admin.clients.redirectUrl'), t('admin.clients.lifetimes'), t('admin.actions')]} empty={!list.data?.data.length}>
        {(list.data?.data ?? []).map((c) => (
          <tr key={c.id}>
            <td>{c.clientId}</td>
            <td>{c.redirectUrl ?? ''}</td>
            <td>{t('admin.clients.lifetimeValues', { access: c.accessTokenExpiration, refresh: c.refreshTokenExpiration, code: c.authCodeExpiration })}</td>
            <td>
              <div class="actions">
                <Button type="button" kind="link" onClick={() => setEditing(c)} aria-label={t('admin.clients.editOf', { clientId: c.clientId })}>
                  {t('app.edit')}
                </Button>
                <Button type="button" kind="link" onClick={() => void rotate(c)} aria-label={t('admin.clients.rotateOf', { clientId: c.clientId })}>
                  {t('admin.clients.rotate')}
                </Button>
                <Button type="button" kind="link" onClick={() => void remove(c)} aria-label={t('admin.clients.deleteOf', { clientId: c.clientId })}>
                  {t('app.delete')}
                </Button>
              </div>
            </td>
          </tr>
        ))}
      </Table>
      <ArcForm
        key={editing?.id ?? `new-${made}`}
        client={editing}
        onDone={(s) => {
          if (s) setSecret(s);
          setMade((n) => n + 1);
          setEditing(undefined);
          list.reload();
        }}
      />
    </section>
  );
}

function ArcForm(p: { client?: ArcClient; onDone: (secret?: { clientId: string; value: string }) => void }) {
  const c = p.client;
  const [clientId, setClientId] = useState(c?.clientId ?? '');
  const [redirectUrl, setRedirectUrl] = useState(c?.redirectUrl ?? '');
  const [access, setAccess] = useState(String(c?.accessTokenExpiration ?? 900));
  const [refresh, setRefresh] = useState(String(c?.refreshTokenExpiration ?? 86400));
  const [code, setCode] = useState(String(c?.authCodeExpiration ?? 180));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [idError, setIdError] = useState('');
  async function submit(e: Event) {
    e.preventDefault();
    if (!clientId.trim()) {
      setIdError(t('app.required'));
      return;
    }
    setIdError('');
    setBusy(true);
    setError('');
    const body = { clientId: clientId.trim(), redirectUrl: redirectUrl.trim() || null, accessTokenExpiration: Number(access), refreshTokenExpiration: Number(refresh), authCodeExpiration: Number(code) };
    const r = c ? await api('PATCH', `/admin_arc_clients/${c.id}`, body) : await api<{ clientSecret?: string; clientId: string }>('POST', '/admin_arc_clients', body);
    setBusy(false);
    if (!r.ok) {
      setError(errorText(r));
      return;
    }
    const made = r.data as { clientSecret?: string; clientId?: string };
    p.onDone(made.clientSecret ? { clientId: made.clientId ?? clientId, value: made.clientSecret } : undefined);
  }
  return (
    <form onSubmit={submit} noValidate aria-labelledby="arc-form">
      <h3 id="arc-form">{c ? t('admin.clients.editOf', { clientId: c.clientId }) : t('admin.clients.createArc')}</h3>
      <Outcome error={error} />
      <Field label={t('admin.clients.clientId')} name="arc-client-id" value={clientId} onValue={setClientId} error={idError} required />
      <Field label={t('admin.clients.redirectUrl')} name="arc-redirect" type="url" value={redirectUrl} onValue={setRedirectUrl} />
      <Field label={t('admin.clients.access')} name="arc-access" type="number" min={1} value={access} onValue={setAccess} />
      <Field label={t('admin.clients.refresh')} name="arc-refresh" type="number" min={1} value={refresh} onValue={setRefresh} />
      <Field label={t('admin.clients.code')} name="arc-code" type="number" min={1} value={code} onValue={setCode} />
      <div class="actions">
        <Button busy={busy}>{c ? t('app.save') : t('admin.clients.createSubmit')}</Button>
        {c && (
          <Button type="button" kind="secondary" onClick={() => p.onDone()}>
            {t('app.cancel')}
          </Button>
        )}
      </div>
    </form>
  );
}

function OAuth2Clients() {
  const list = useLoad(() => api<Paged<OAuth2Client>>('GET', '/admin_oauth2_clients'), []);
  const [secret, setSecret] = useState<{ clientId: string; value: string } | undefined>();
  const [editing, setEditing] = useState<OAuth2Client | undefined>();
  // A new key empties the form once a client is made or saved.
  const [made, setMade] = useState(0);
  const [error, setError] = useState('');
  const [done, setDone] = useState('');
  async function remove(c: OAuth2Client) {
    if (!confirmed(t('admin.clients.deleteConfirm', { clientId: c.clientId }))) return;
    setDone('');
    const r = await api('DELETE', `/admin_oauth2_clients/${encodeURIComponent(c.clientId)}`);
    if (r.ok) list.reload();
    else setError(errorText(r));
  }
  async function rotate(c: OAuth2Client) {
    if (!confirmed(t('admin.clients.rotateConfirm', { clientId: c.clientId }))) return;
    setDone('');
    const r = await api<{ clientSecret?: string }>('PATCH', `/admin_oauth2_clients/${encodeURIComponent(c.clientId)}`, { rotateSecret: true });
    if (r.ok && r.data.clientSecret) {
      setError('');
      setSecret({ clientId: c.clientId, value: r.data.clientSecret });
    } else setError(errorText(r));
  }
  return (
    <section aria-labelledby="oauth2-clients">
      <h2 id="oauth2-clients">{t('admin.clients.oauth2')}</h2>
      {secret && <SecretOnce label={t('admin.clients.secretOf', { clientId: secret.clientId })} value={secret.value} onDone={() => setSecret(undefined)} />}
      <Outcome error={list.error || error} done={done} />
      <Table caption={t('admin.clients.oauth2Caption')} head={[t('admin.clients.clientId'), t('admin.clients.name'), t('admin.clients.redirectUris'), t('admin.clients.source'), t('admin.actions')]} empty={!list.data?.data.length}>
        {(list.data?.data ?? []).map((c) => (
          <tr key={c.id} data-client={c.clientId}>
            <td>{c.clientId}</td>
            <td>{c.name}</td>
            <td>{c.redirectUris.join(' ')}</td>
            <td>{c.source === 'config' ? t('admin.clients.fromConfig') : t('admin.clients.stored')}</td>
            <td>
              {c.source === 'config' ? (
                t('admin.clients.readOnly')
              ) : (
                <div class="actions">
                  <Button type="button" kind="link" onClick={() => setEditing(c)} aria-label={t('admin.clients.editOf', { clientId: c.clientId })}>
                    {t('app.edit')}
                  </Button>
                  <Button type="button" kind="link" onClick={() => void rotate(c)} aria-label={t('admin.clients.rotateOf', { clientId: c.clientId })}>
                    {t('admin.clients.rotate')}
                  </Button>
                  <Button type="button" kind="link" onClick={() => void remove(c)} aria-label={t('admin.clients.deleteOf', { clientId: c.clientId })}>
                    {t('app.delete')}
                  </Button>
                </div>
              )}
            </td>
          </tr>
        ))}
      </Table>
      <OAuth2Form
        key={editing?.id ?? `new-${made}`}
        client={editing}
        onDone={(r) => {
          if (r?.secret) setSecret(r.secret);
          setDone(r?.saved ? t('admin.clients.saved', { clientId: r.saved }) : '');
          setError('');
          setMade((n) => n + 1);
          setEditing(undefined);
          list.reload();
        }}
      />
    </section>
  );
}

/** Creates an OAuth2 client (its secret shown once) or edits one made here (its client id stays). */
function OAuth2Form(p: { client?: OAuth2Client; onDone: (r?: { secret?: { clientId: string; value: string }; saved?: string }) => void }) {
  const c = p.client;
  const [clientId, setClientId] = useState(c?.clientId ?? '');
  const [name, setName] = useState(c?.name ?? '');
  const [author, setAuthor] = useState(c?.author ?? '');
  const [authorUrl, setAuthorUrl] = useState(c?.authorUrl ?? '');
  const [redirect, setRedirect] = useState(c?.redirectUris.join(' ') ?? '');
  const [scopes, setScopes] = useState(c?.scopes.join(' ') ?? '');
  const [publicClient, setPublicClient] = useState(c?.publicClient ?? false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  async function submit(e: Event) {
    e.preventDefault();
    if ((!c && !clientId.trim()) || !name.trim() || !redirect.trim()) {
      setError(t(c ? 'admin.clients.oauth2EditMissing' : 'admin.clients.oauth2Missing'));
      return;
    }
    setBusy(true);
    setError('');
    const body = {
      name: name.trim(),
      author: author.trim(),
      authorUrl: authorUrl.trim(),
      redirectUris: redirect.split(/\s+/).filter(Boolean),
      scopes: scopes.split(/[\s,]+/).filter(Boolean),
      publicClient,
    };
    const r = c
      ? await api<{ clientId: string }>('PATCH', `/admin_oauth2_clients/${encodeURIComponent(c.clientId)}`, body)
      : await api<{ clientSecret: string; clientId: string }>('POST', '/admin_oauth2_clients', { clientId: clientId.trim(), ...body });
    setBusy(false);
    if (!r.ok) {
      setError(errorText(r));
      return;
    }
    const out = r.data as { clientId: string; clientSecret?: string };
    p.onDone(out.clientSecret ? { secret: { clientId: out.clientId, value: out.clientSecret } } : { saved: out.clientId });
  }
  return (
    <form onSubmit={submit} noValidate aria-labelledby="oauth2-form">
      <h3 id="oauth2-form">{c ? t('admin.clients.editOf', { clientId: c.clientId }) : t('admin.clients.createOAuth2')}</h3>
      <Outcome error={error} />
      {!c && <Field label={t('admin.clients.clientId')} name="o2-client-id" value={clientId} onValue={setClientId} required />}
      <Field label={t('admin.clients.name')} name="o2-name" value={name} onValue={setName} required />
      <Field label={t('admin.clients.redirectUris')} name="o2-redirect" value={redirect} onValue={setRedirect} hint={t('admin.clients.redirectHint')} required />
      <Field label={t('admin.clients.scopes')} name="o2-scopes" value={scopes} onValue={setScopes} />
      <Field label={t('admin.clients.author')} name="o2-author" value={author} onValue={setAuthor} />
      <Field label={t('admin.clients.authorUrl')} name="o2-author-url" type="url" value={authorUrl} onValue={setAuthorUrl} />
      <div class="field">
        <label>
          <input type="checkbox" name="o2-public" checked={publicClient} onChange={(e) => setPublicClient(e.currentTarget.checked)} /> {t('admin.clients.publicClient')}
        </label>
      </div>
      <div class="actions">
        <Button busy={busy}>{c ? t('app.save') : t('admin.clients.createSubmit')}</Button>
        {c && (
          <Button type="button" kind="secondary" onClick={() => p.onDone()}>
            {t('app.cancel')}
          </Button>
        )}
      </div>
    </form>
  );
}
