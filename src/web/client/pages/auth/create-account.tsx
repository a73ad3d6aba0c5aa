import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { boot } from '../../boot.js';
import { errorText, simple } from '../../api.js';
import { t } from '../../i18n/index.js';
import { Page } from '../../ui/page.js';
import { Alert, Button, Field } from '../../ui/form.js';
import { EMAIL, passwordProblem, usernameProblem } from './shared.js';

type Errors = Partial<Record<'email' | 'username' | 'password' | 'confirm', string>>;

/**
 * `/create`: simple-auth's account creation. The username is checked as it is typed (length and
 * pattern here, availability on the server after a pause); errors of the server go next to the
 * field they concern.
 */
export function CreateAccount() {
  const { route } = useLocation();
  const [email, setEmail] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [available, setAvailable] = useState<'' | 'checking' | 'yes'>('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<'' | 'email' | 'session' | 'created'>('');
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const r = boot.requirements;

  // Availability, 250 ms after the last keystroke; an answer for an older value is ignored.
  useEffect(() => {
    clearTimeout(timer.current);
    setAvailable('');
    if (!username || usernameProblem(username)) {
      setErrors((e) => ({ ...e, username: username ? usernameProblem(username) : undefined }));
      return;
    }
    setErrors((e) => ({ ...e, username: undefined }));
    timer.current = setTimeout(() => {
      setAvailable('checking');
      void simple<{ username: string; exists: boolean }>('POST', 'account/check', { username }).then((res) => {
        if (res.data.username !== username) return;
        if (res.ok && res.data.exists) {
          setAvailable('');
          setErrors((e) => ({ ...e, username: t('reason.username-unavailable') }));
        } else setAvailable(res.ok ? 'yes' : '');
      });
    }, 250);
    return () => clearTimeout(timer.current);
  }, [username]);

  if (!boot.login.createAccount) {
    return (
      <Page title={t('auth.create.title')}>
        <Alert kind="info">{t('auth.create.disabled')}</Alert>
        <p class="links">
          <a href="/">{t('auth.backToSignIn')}</a>
        </p>
      </Page>
    );
  }

  const submit = async (e: Event) => {
    e.preventDefault();
    const found: Errors = {
      email: EMAIL.test(email.trim()) ? undefined : t('auth.check.email'),
      username: usernameProblem(username) ?? (errors.username === t('reason.username-unavailable') ? errors.username : undefined),
      password: passwordProblem(password),
      confirm: confirm === password ? undefined : t('auth.check.confirm'),
    };
    setErrors(found);
    setError('');
    if (Object.values(found).some(Boolean)) {
      const first = (['email', 'username', 'password', 'confirm'] as const).find((k) => found[k]);
      document.getElementById(`field-${first}`)?.focus();
      return;
    }
    setBusy(true);
    const res = await simple<{ id: string; createdSession?: boolean; hasStipulations?: boolean }>('POST', 'account?createSession=true', { email: email.trim(), username, password });
    setBusy(false);
    if (res.status === 201) {
      if (res.data.createdSession) {
        setDone('session');
        setTimeout(() => route('/account'), 1500);
      } else setDone(res.data.hasStipulations ? 'email' : 'created');
      return;
    }
    const reason = res.data.reason;
    const text = errorText(res);
    if (reason === 'username-unavailable') setErrors({ username: text });
    else if (reason === 'account-email-exists') setErrors({ email: text });
    else if (reason === 'credentials-failed-requirements') {
      // The message names the field: "username too short", "password too long", …
      const msg = res.data.message ?? '';
      if (/password/i.test(msg)) setErrors({ password: passwordProblem(password) ?? text });
      else setErrors({ username: usernameProblem(username) ?? text });
    } else setError(text);
  };

  if (done) {
    return (
      <Page title={t('auth.create.title')}>
        <Alert kind="success">{t(done === 'email' ? 'auth.create.checkEmail' : done === 'session' ? 'auth.create.signedIn' : 'auth.create.created')}</Alert>
        {done !== 'session' && (
          <p class="links">
            <a href="/">{t('auth.goSignIn')}</a>
          </p>
        )}
      </Page>
    );
  }

  return (
    <Page title={t('auth.create.title')}>
      <form id="create" onSubmit={submit} noValidate>
        <Field label={t('auth.create.email')} name="email" type="email" value={email} onValue={setEmail} autocomplete="email" required error={errors.email} />
        <Field
          label={t('auth.create.username')}
          name="username"
          value={username}
          onValue={setUsername}
          autocomplete="username"
          autoCapitalize="none"
          spellcheck={false}
          required
          error={errors.username}
          hint={available === 'yes' ? t('auth.create.usernameAvailable') : available === 'checking' ? t('auth.create.usernameChecking') : t('auth.create.usernameHint', { min: r.usernameMin, max: r.usernameMax })}
        />
        <Field label={t('auth.create.password')} name="password" type="password" value={password} onValue={setPassword} autocomplete="new-password" required error={errors.password} hint={t('auth.create.passwordHint', { min: r.passwordMin, max: r.passwordMax })} />
        <Field label={t('auth.create.confirm')} name="confirm" type="password" value={confirm} onValue={setConfirm} autocomplete="new-password" required error={errors.confirm} />
        {error && <Alert kind="error">{error}</Alert>}
        <Button busy={busy} class="block">
          {t('auth.create.submit')}
        </Button>
      </form>
      <p class="links">
        <a href="/">{t('auth.create.haveAccount')}</a>
      </p>
    </Page>
  );
}
