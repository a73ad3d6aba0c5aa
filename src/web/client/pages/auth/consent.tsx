import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { simple, type ApiResult } from '../../api.js';
import { t } from '../../i18n/index.js';
import { Page } from '../../ui/page.js';
import { Alert, Button } from '../../ui/form.js';
import { SignInForm } from './shared.js';

type Grant = { code: string; state?: string };
type OAuthError = { error?: string; error_description?: string };

/** The client's error text: OAuth's `error_description`, else the generic refusal. */
const refusal = (r: ApiResult<unknown>) => (r.status === 0 ? t('app.error.network') : ((r.data as OAuthError).error_description ?? t('auth.consent.refused')));

/** Back to the client: its redirect URI with the code and the state. */
function redirectWith(uri: string, g: Grant) {
  const u = new URL(uri);
  u.searchParams.set('code', g.code);
  if (g.state) u.searchParams.set('state', g.state);
  location.href = u.toString();
}

/**
 * `/consent?client_id&redirect_uri&response_type&state&scope[&code_challenge…]`: simple-auth's
 * OAuth2 grant page (its `/oauth2?…` and `/#/oauth2?…` land here). A visitor without a session
 * signs in first; then an earlier grant is reused silently (`auto`), else the page names the
 * client and the scopes and asks.
 */
export function Consent() {
  const { query, url } = useLocation();
  const req: { client_id: string; response_type: string; redirect_uri: string; scope: string; state: string; code_challenge?: string; code_challenge_method?: string } = {
    client_id: query.client_id ?? '',
    response_type: query.response_type ?? '',
    redirect_uri: query.redirect_uri ?? '',
    scope: query.scope ?? '',
    state: query.state ?? '',
  };
  if (query.code_challenge) req.code_challenge = query.code_challenge;
  if (query.code_challenge_method) req.code_challenge_method = query.code_challenge_method;
  const [state, setState] = useState<'checking' | 'sign-in' | 'ask' | 'leaving' | 'failed'>('checking');
  const [client, setClient] = useState<{ name: string; author: string }>({ name: '', author: '' });
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  // A sign-in through a provider comes back here: simple-auth's own form of this address.
  const back = `/#/oauth2${url.includes('?') ? url.slice(url.indexOf('?')) : ''}`;

  const start = async () => {
    setState('checking');
    setError('');
    const auto = await simple<Grant>('POST', 'auth/oauth2/grant', { ...req, auto: true });
    if (auto.ok) {
      setState('leaving');
      return redirectWith(req.redirect_uri, auto.data);
    }
    if (auto.status === 401) return setState('sign-in');
    const info = await simple<{ name: string; author: string }>('GET', `auth/oauth2/client/${encodeURIComponent(req.client_id)}`);
    if (!info.ok) {
      setError(info.status === 401 ? '' : t('auth.consent.unknownClient'));
      return setState(info.status === 401 ? 'sign-in' : 'failed');
    }
    setClient(info.data);
    setState('ask');
  };
  useEffect(() => {
    void simple('GET', 'account').then((r) => (r.ok ? start() : setState('sign-in')));
  }, []);

  const grant = async () => {
    setBusy(true);
    setError('');
    const g = await simple<Grant>('POST', 'auth/oauth2/grant', req);
    setBusy(false);
    if (g.ok) {
      setState('leaving');
      return redirectWith(req.redirect_uri, g.data);
    }
    setError(refusal(g));
  };
  const other = async () => {
    setBusy(true);
    const r = await simple('DELETE', 'auth/session');
    setBusy(false);
    if (!r.ok) return setError(refusal(r));
    setError('');
    setState('sign-in');
  };

  const scopes = req.scope.split(/[\s,]+/).filter(Boolean);
  return (
    <Page title={t('auth.consent.title')}>
      {state === 'checking' && (
        <p class="muted" role="status">
          {t('auth.consent.checking')}
        </p>
      )}
      {state === 'leaving' && (
        <p class="muted" role="status">
          {t('auth.consent.redirecting')}
        </p>
      )}
      {state === 'sign-in' && (
        <>
          <p>{t('auth.consent.signInFirst')}</p>
          <SignInForm onSignedIn={() => void start()} continueUrl={back} links={false} />
        </>
      )}
      {state === 'ask' && (
        <section id="grant">
          <p id="grant-text">{t('auth.consent.asks', { name: client.name, author: client.author })}</p>
          {scopes.length ? (
            <>
              <p>{t('auth.consent.scopes')}</p>
              <ul id="scopes">
                {scopes.map((s) => (
                  <li key={s}>
                    <code>{s}</code>
                  </li>
                ))}
              </ul>
            </>
          ) : (
            <p>{t('auth.consent.noScopes')}</p>
          )}
          {error && <Alert kind="error">{error}</Alert>}
          <div class="actions">
            <Button type="button" busy={busy} onClick={() => void grant()}>
              {t('auth.consent.grant')}
            </Button>
            <Button type="button" kind="secondary" disabled={busy} onClick={() => void other()}>
              {t('auth.consent.other')}
            </Button>
          </div>
        </section>
      )}
      {state === 'failed' && <Alert kind="error">{error}</Alert>}
    </Page>
  );
}
