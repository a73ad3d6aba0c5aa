import { useState } from 'preact/hooks';
import { boot } from '../../boot.js';
import { simple } from '../../api.js';
import { t } from '../../i18n/index.js';
import { Page } from '../../ui/page.js';
import { Alert, Button, Field } from '../../ui/form.js';
import { EMAIL } from './shared.js';

/**
 * `/forgot-password`: asks simple-auth to mail a one-time sign-in link. The page says the same
 * thing whatever the server answered, so it tells nobody whether an account has that address.
 */
export function ForgotPassword() {
  const [email, setEmail] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);

  if (!boot.login.forgotPassword) {
    return (
      <Page title={t('auth.forgot.title')}>
        <Alert kind="info">{t('auth.forgot.disabled')}</Alert>
        <p class="links">
          <a href="/">{t('auth.backToSignIn')}</a>
        </p>
      </Page>
    );
  }

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!EMAIL.test(email.trim())) {
      setError(t('auth.check.email'));
      document.getElementById('field-email')?.focus();
      return;
    }
    setError('');
    setBusy(true);
    const r = await simple('POST', 'auth/onetime', { email: email.trim() });
    setBusy(false);
    // Only a failure to reach the server is worth telling; any answer of the server gets the same text.
    if (r.status === 0) return setError(t('app.error.network'));
    setSent(true);
  };

  return (
    <Page title={t('auth.forgot.title')}>
      {sent ? (
        <Alert kind="success">{t('auth.forgot.sent')}</Alert>
      ) : (
        <form id="forgot" onSubmit={submit} noValidate>
          <p>{t('auth.forgot.intro')}</p>
          <Field label={t('auth.forgot.email')} name="email" type="email" value={email} onValue={setEmail} autocomplete="email" required error={error} />
          <Button busy={busy} class="block">
            {t('auth.forgot.submit')}
          </Button>
        </form>
      )}
      <p class="links">
        <a href="/">{t('auth.backToSignIn')}</a>
      </p>
    </Page>
  );
}
