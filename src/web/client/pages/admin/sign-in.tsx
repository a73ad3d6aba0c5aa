import { useState } from 'preact/hooks';
import { call, errorText } from '../../api.js';
import { t } from '../../i18n/index.js';
import { Alert, Button, Field } from '../../ui/form.js';
import { Page } from '../../ui/page.js';
import { setAdminToken } from './session.js';

/**
 * The console's own sign-in: Feathers' local strategy (`POST /authentication`) with a username
 * or an email and the password; the TOTP code when the account has one (asked for once the
 * server says a code is missing or wrong).
 */
export function AdminSignIn(p: { onSignedIn: () => void }) {
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [askCode, setAskCode] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  async function submit(e: Event) {
    e.preventDefault();
    if (!login.trim() || !password) {
      setError(t('admin.signIn.missing'));
      return;
    }
    setBusy(true);
    setError('');
    const who = login.includes('@') ? { email: login.trim() } : { username: login.trim() };
    const r = await call<{ accessToken?: string; data?: { reason?: string } }>('POST', '/authentication', { strategy: 'local', ...who, password, ...(askCode && code && { totp: code.trim() }) });
    setBusy(false);
    if (r.ok && r.data.accessToken) {
      setAdminToken(r.data.accessToken);
      setPassword('');
      p.onSignedIn();
      return;
    }
    const reason = r.data.data?.reason ?? '';
    if (/totp|code|two.factor|2fa/i.test(reason)) {
      setAskCode(true);
      setError(askCode ? t('admin.signIn.badCode') : t('admin.signIn.needCode'));
      return;
    }
    setError(r.status === 401 ? t('admin.signIn.invalid') : errorText(r));
  }

  return (
    <Page title={t('admin.signIn.title')}>
      <form onSubmit={submit} noValidate>
        {error && <Alert kind="error">{error}</Alert>}
        <Field label={t('admin.signIn.login')} name="login" autoComplete="username" value={login} onValue={setLogin} required />
        <Field label={t('admin.signIn.password')} name="password" type="password" autoComplete="current-password" value={password} onValue={setPassword} required />
        {askCode && <Field label={t('admin.signIn.code')} name="totp" inputMode="numeric" autoComplete="one-time-code" value={code} onValue={setCode} />}
        <Button busy={busy} class="block">
          {t('admin.signIn.submit')}
        </Button>
      </form>
    </Page>
  );
}
