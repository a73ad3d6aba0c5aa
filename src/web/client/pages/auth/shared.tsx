import { useState } from 'preact/hooks';
import { boot } from '../../boot.js';
import { errorText, simple } from '../../api.js';
import { t } from '../../i18n/index.js';
import { legacyPath } from '../../routes.js';
import { Alert, Button, Field } from '../../ui/form.js';

/** simple-auth's `login-redirect`: where a signed-in visitor of the sign-in page goes. */
export function continueAfterSignIn(route: (path: string) => void): void {
  const c = boot.login.continueUrl;
  if (!c) return route('/account');
  // The server already applied the continue-URL allowlist; a `/#/…` address is one of ours.
  if (c.startsWith('/#')) return route(legacyPath(c.slice(1)) ?? '/');
  // Defence in depth against an allowlist pattern too broad: only web addresses, never `javascript:`.
  // `/\host` is `//host` to a browser: a path must not start with a second slash of either kind.
  if (/^https?:\/\//i.test(c) || /^\/(?![/\\])/.test(c)) location.href = c;
  else route('/account');
}

/** The checks the create-account page makes before asking the server (the server checks again). */
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export function usernameProblem(u: string): string | undefined {
  const r = boot.requirements;
  if (u.length < r.usernameMin) return t('auth.check.usernameShort', { min: r.usernameMin });
  if (u.length > r.usernameMax) return t('auth.check.usernameLong', { max: r.usernameMax });
  try {
    if (!new RegExp(r.usernameRegex).test(u)) return t('auth.check.usernameChars');
  } catch {
    // A pattern JavaScript cannot read: the server's own check decides.
  }
  return undefined;
}
export function passwordProblem(p: string): string | undefined {
  const r = boot.requirements;
  if (p.length < r.passwordMin) return t('auth.check.passwordShort', { min: r.passwordMin });
  if (p.length > r.passwordMax) return t('auth.check.passwordLong', { max: r.passwordMax });
  return undefined;
}
/** The rule of the reset endpoint (basic's: a lower-case and an upper-case letter, a digit, another character, 8 to 128). */
export const STRONG = /^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)(?=.*[^A-Za-z0-9]).{8,128}$/;

/** "Continue with <provider>" links, each carrying the continue URL back to this server. */
export function ProviderLinks(p: { continueUrl: string }) {
  const providers = boot.login.providers;
  if (!providers.length) return null;
  const query = p.continueUrl ? `?continue=${encodeURIComponent(p.continueUrl)}` : '';
  return (
    <nav id="providers" aria-label={t('auth.signIn.providers')}>
      <p class="sep">{t('auth.signIn.or')}</p>
      <ul class="plain">
        {providers.map((pr) => (
          <li key={pr.id}>
            {/* A server address, not a page of the app: kept from the app router, the browser follows it. */}
            <a class="btn secondary block provider" href={`/oidc/${encodeURIComponent(pr.id)}${query}`} onClick={(e) => e.stopPropagation()}>
              {t('auth.signIn.continueWith', { name: pr.name })}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/**
 * simple-auth's sign-in form: username or email and password; when the account has two-factor
 * authentication the server answers `totp-missing` and the form asks for the code and sends again.
 */
export function SignInForm(p: { onSignedIn: () => void; continueUrl: string; links?: boolean }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [askTotp, setAskTotp] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [info, setInfo] = useState('');

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const body: Record<string, string> = { username, password };
    if (askTotp && totp) body.totp = totp;
    const r = await simple('POST', 'auth/session', body);
    setBusy(false);
    if (r.ok) {
      setError('');
      setInfo('');
      return p.onSignedIn();
    }
    if (r.data.reason === 'totp-missing') {
      setAskTotp(true);
      setError('');
      setInfo(t('auth.signIn.totpAsk'));
      // The field appears with this render: focus it next.
      setTimeout(() => document.getElementById('field-totp')?.focus(), 0);
      return;
    }
    setInfo('');
    setError(errorText(r));
  };

  return (
    <>
      <form id="sign-in" onSubmit={submit} noValidate={false}>
        <Field label={t('auth.signIn.username')} name="username" value={username} onValue={setUsername} autocomplete="username" required autoCapitalize="none" spellcheck={false} />
        <Field label={t('auth.signIn.password')} name="password" type="password" value={password} onValue={setPassword} autocomplete="current-password" required />
        {askTotp && <Field label={t('auth.signIn.totp')} name="totp" value={totp} onValue={setTotp} inputMode="numeric" autocomplete="one-time-code" pattern="[0-9]*" maxLength={10} required hint={t('auth.signIn.totpHint')} />}
        {info && <Alert kind="info">{info}</Alert>}
        {error && (
          <Alert kind="error" id="sign-in-error">
            {error}
          </Alert>
        )}
        <Button busy={busy} class="block">
          {t('auth.signIn.submit')}
        </Button>
      </form>
      <ProviderLinks continueUrl={p.continueUrl} />
      {p.links !== false && (boot.login.forgotPassword || boot.login.createAccount) && (
        <p class="links">
          {boot.login.forgotPassword && <a href="/forgot-password">{t('auth.signIn.forgot')}</a>}
          {boot.login.createAccount && <a href="/create">{t('auth.signIn.create')}</a>}
        </p>
      )}
    </>
  );
}
