import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { boot } from '../../boot.js';
import { simple } from '../../api.js';
import { t } from '../../i18n/index.js';
import { Page } from '../../ui/page.js';
import { legacyPath } from '../../routes.js';
import { continueAfterSignIn, SignInForm } from './shared.js';

/**
 * `/`: simple-auth's home. A visitor who already has a session goes on as its `login-redirect`
 * did (the continue URL, else the account page) without seeing the form.
 */
export function SignIn() {
  const { route } = useLocation();
  const [state, setState] = useState<'checking' | 'form' | 'leaving'>('checking');
  const onSignedIn = () => {
    setState('leaving');
    continueAfterSignIn(route);
  };
  // A simple-auth hash link (`/#/activate?…`) opened while this page is shown changes only the hash.
  useEffect(() => {
    const onHash = () => {
      const to = legacyPath(location.hash);
      if (to && to !== '/') route(to, true);
    };
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    void simple('GET', 'account').then((r) => (r.ok ? onSignedIn() : setState('form')));
  }, []);
  return (
    <Page title={t('auth.signIn.title')}>
      {state === 'checking' && (
        <p class="muted" role="status">
          {t('app.loading')}
        </p>
      )}
      {state === 'leaving' && (
        <p class="muted" role="status">
          {t('auth.signIn.redirecting')}
        </p>
      )}
      {state === 'form' && <SignInForm onSignedIn={onSignedIn} continueUrl={boot.login.continueUrl} />}
    </Page>
  );
}
