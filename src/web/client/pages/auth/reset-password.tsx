import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { boot } from '../../boot.js';
import { call } from '../../api.js';
import { t } from '../../i18n/index.js';
import { Page } from '../../ui/page.js';
import { Alert, Button, Field } from '../../ui/form.js';
import { STRONG } from './shared.js';

/**
 * `/reset-password?token=`: the page of the reset link that ARC's and basic's "forgot password"
 * mail (RESET_PASSWORD_URL). The server checked the link when it sent this page (`boot.resetLink`),
 * so a used or expired link says so at once. The new password goes through basic's
 * `POST /auth/reset-password?token=`, which takes any dialect's reset token (core.recovery) and
 * needs no client secret, unlike ARC's.
 */
export function ResetPassword() {
  const { query } = useLocation();
  const token = query.token ?? '';
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<{ password?: string; confirm?: string }>({});
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [state, setState] = useState(boot.resetLink ?? (token ? 'valid' : 'expired'));
  const [done, setDone] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const found = { password: STRONG.test(password) ? undefined : t('auth.check.strong'), confirm: confirm === password ? undefined : t('auth.check.confirm') };
    setErrors(found);
    setError('');
    if (found.password || found.confirm) {
      document.getElementById(found.password ? 'field-password' : 'field-confirm')?.focus();
      return;
    }
    setBusy(true);
    const r = await call('POST', `/auth/reset-password?token=${encodeURIComponent(token)}`, { password });
    setBusy(false);
    if (r.ok) return setDone(true);
    if (r.status === 0) return setError(t('app.error.network'));
    if (r.status === 400 && /same/i.test(r.data.message ?? '')) return setErrors({ password: t('auth.reset.same') });
    if (r.status === 400) return setErrors({ password: t('auth.check.strong') });
    // 401: the link was used (or expired) meanwhile.
    setState('used');
    setError(t('auth.reset.failed'));
  };

  const again = (
    <p class="links">
      {boot.login.forgotPassword && <a href="/forgot-password">{t('auth.askAgain')}</a>}
      <a href="/">{t('auth.backToSignIn')}</a>
    </p>
  );

  if (done) {
    return (
      <Page title={t('auth.reset.title')}>
        <Alert kind="success">{t('auth.reset.done')}</Alert>
        <p class="links">
          <a href="/">{t('auth.goSignIn')}</a>
        </p>
      </Page>
    );
  }
  if (state !== 'valid') {
    return (
      <Page title={t('auth.reset.title')}>
        <Alert kind="error">{error || t(state === 'used' ? 'auth.reset.used' : 'auth.reset.expired')}</Alert>
        {again}
      </Page>
    );
  }
  return (
    <Page title={t('auth.reset.title')}>
      <form id="reset" onSubmit={submit} noValidate>
        <Field label={t('auth.reset.password')} name="password" type="password" value={password} onValue={setPassword} autocomplete="new-password" required error={errors.password} hint={t('auth.check.strong')} />
        <Field label={t('auth.reset.confirm')} name="confirm" type="password" value={confirm} onValue={setConfirm} autocomplete="new-password" required error={errors.confirm} />
        {error && <Alert kind="error">{error}</Alert>}
        <Button busy={busy} class="block">
          {t('auth.reset.submit')}
        </Button>
      </form>
      <p class="links">
        <a href="/">{t('auth.backToSignIn')}</a>
      </p>
    </Page>
  );
}
