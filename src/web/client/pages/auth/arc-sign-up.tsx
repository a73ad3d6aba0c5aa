import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { call, errorText } from '../../api.js';
import { t } from '../../i18n/index.js';
import { Page } from '../../ui/page.js';
import { Alert, Button, Field } from '../../ui/form.js';

type Errors = Partial<Record<'username' | 'firstName' | 'lastName' | 'password' | 'confirm', string>>;

/**
 * `/sign-up?code=`: the page of ARC's mailed sign-up link (SIGNUP_URL). The code is the bearer
 * token of `GET /auth/sign-up/verify-token` (which gives the address it was mailed to) and of
 * `POST /auth/sign-up/create-user`, which creates the account and uses the code up.
 */
export function ArcSignUp() {
  const { query } = useLocation();
  const code = query.code ?? '';
  const [state, setState] = useState<'checking' | 'form' | 'invalid' | 'done'>(code ? 'checking' : 'invalid');
  const [email, setEmail] = useState('');
  const [username, setUsername] = useState('');
  const [firstName, setFirstName] = useState('');
  const [lastName, setLastName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!code) return;
    void call<{ email?: string }>('GET', '/auth/sign-up/verify-token', undefined, { bearer: code }).then((r) => {
      if (r.ok && typeof r.data.email === 'string') {
        setEmail(r.data.email);
        setState('form');
      } else setState('invalid');
    });
  }, [code]);

  const submit = async (e: Event) => {
    e.preventDefault();
    const found: Errors = {
      firstName: firstName.trim() ? undefined : t('app.required'),
      password: password.length >= 8 ? undefined : t('auth.check.passwordShort', { min: 8 }),
      confirm: confirm === password ? undefined : t('auth.check.confirm'),
    };
    setErrors(found);
    setError('');
    const first = (['firstName', 'password', 'confirm'] as const).find((k) => found[k]);
    if (first) {
      document.getElementById(`field-${first}`)?.focus();
      return;
    }
    setBusy(true);
    const body: Record<string, string> = { email, password, firstName: firstName.trim() };
    if (lastName.trim()) body.lastName = lastName.trim();
    if (username.trim()) body.username = username.trim();
    const r = await call('POST', '/auth/sign-up/create-user', body, { bearer: code });
    setBusy(false);
    if (r.ok) return setState('done');
    if (r.status === 409) return setErrors({ username: t('auth.signUp.taken') });
    if (r.status === 401 || r.status === 403) {
      setState('invalid');
      return;
    }
    setError(errorText(r));
  };

  return (
    <Page title={t('auth.signUp.title')}>
      {state === 'checking' && (
        <p class="muted" role="status">
          {t('auth.signUp.checking')}
        </p>
      )}
      {state === 'invalid' && (
        <>
          <Alert kind="error">{t('auth.signUp.invalid')}</Alert>
          <p class="links">
            <a href="/">{t('auth.backToSignIn')}</a>
          </p>
        </>
      )}
      {state === 'done' && (
        <>
          <Alert kind="success">{t('auth.signUp.done')}</Alert>
          <p class="links">
            <a href="/">{t('auth.goSignIn')}</a>
          </p>
        </>
      )}
      {state === 'form' && (
        <form id="sign-up" onSubmit={submit} noValidate>
          <Field label={t('auth.signUp.email')} name="email" type="email" value={email} onValue={() => undefined} readOnly autocomplete="email" />
          <Field label={t('auth.signUp.username')} name="username" value={username} onValue={setUsername} autocomplete="username" autoCapitalize="none" spellcheck={false} error={errors.username} hint={t('auth.signUp.usernameHint')} />
          <Field label={t('auth.signUp.firstName')} name="firstName" value={firstName} onValue={setFirstName} autocomplete="given-name" required error={errors.firstName} />
          <Field label={t('auth.signUp.lastName')} name="lastName" value={lastName} onValue={setLastName} autocomplete="family-name" error={errors.lastName} />
          <Field label={t('auth.signUp.password')} name="password" type="password" value={password} onValue={setPassword} autocomplete="new-password" required error={errors.password} />
          <Field label={t('auth.signUp.confirm')} name="confirm" type="password" value={confirm} onValue={setConfirm} autocomplete="new-password" required error={errors.confirm} />
          {error && <Alert kind="error">{error}</Alert>}
          <Button busy={busy} class="block">
            {t('auth.signUp.submit')}
          </Button>
        </form>
      )}
    </Page>
  );
}
