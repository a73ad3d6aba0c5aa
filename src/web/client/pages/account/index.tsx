import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { simple, type ApiResult } from '../../api.js';
import { t, type MessageKey } from '../../i18n/index.js';
import { Page } from '../../ui/page.js';
import { Alert, Button } from '../../ui/form.js';
import type { AccountInfo, SectionProps } from './shared.js';
import { Profile } from './profile.js';
import { Providers } from './providers.js';
import { Password } from './password.js';
import { TwoFactor } from './two-factor.js';
import { Sessions } from './sessions.js';
import { AccessTokens } from './access-tokens.js';
import { OAuthTokens } from './oauth-tokens.js';
import { Audit } from './audit.js';
import { css } from './styles.js';

/** The tabs of the account pages: address, label, and what each shows. */
const TABS: { path: string; label: MessageKey; title: MessageKey; body: (p: SectionProps) => JSX.Element }[] = [
  {
    path: '/account',
    label: 'account.tab.profile',
    title: 'account.title',
    body: (p) => (
      <>
        <Profile {...p} />
        <Providers {...p} />
      </>
    ),
  },
  {
    path: '/account/security',
    label: 'account.tab.security',
    title: 'account.security.title',
    body: (p) => (
      <>
        <Password {...p} />
        <TwoFactor {...p} />
      </>
    ),
  },
  {
    path: '/account/sessions',
    label: 'account.tab.sessions',
    title: 'account.sessions.pageTitle',
    body: (p) => (
      <>
        <Sessions {...p} />
        <AccessTokens {...p} />
      </>
    ),
  },
  { path: '/account/apps', label: 'account.tab.apps', title: 'account.apps.title', body: (p) => <OAuthTokens {...p} /> },
  { path: '/account/activity', label: 'account.tab.activity', title: 'account.audit.title', body: (p) => <Audit {...p} /> },
];

/**
 * `/account` and its tabs (simple-auth's `/#/manage`, split in pages): the signed-in account's
 * profile, security (password, 2FA), sessions and access tokens, applications (OAuth2 tokens)
 * and activity (audit trail). Without a session (the API answers 401) the browser goes to the
 * sign-in page, which comes back here once signed in.
 */
export function Account() {
  const { path, route } = useLocation();
  const [account, setAccount] = useState<AccountInfo | undefined>(undefined);
  const [loadError, setLoadError] = useState<string | undefined>(undefined);
  const [leaving, setLeaving] = useState(false);

  const signedOut = (r: ApiResult<unknown>) => {
    if (r.status !== 401) return false;
    route('/');
    return true;
  };
  const reload = async () => {
    const r = await simple<AccountInfo>('GET', 'account');
    if (signedOut(r)) return;
    if (!r.ok) {
      setLoadError(r.status === 0 ? t('app.error.network') : t('app.error.unexpected', { status: r.status }));
      return;
    }
    setLoadError(undefined);
    setAccount(r.data);
  };
  // Read again on every tab: a session ended elsewhere meanwhile is noticed at once.
  useEffect(() => {
    void reload();
  }, [path]);

  const signOut = async () => {
    setLeaving(true);
    await simple('DELETE', 'auth/session');
    route('/');
  };

  const tab = TABS.find((x) => x.path === path.replace(/\/$/, '')) ?? TABS[0]!;
  const nav = (
    <div style={css.bar}>
      <Button kind="secondary" type="button" busy={leaving} onClick={signOut}>
        {t('app.signOut')}
      </Button>
    </div>
  );
  return (
    <Page title={t(tab.title)} wide nav={account ? nav : undefined}>
      <nav class="tabs" aria-label={t('account.tabs')}>
        <ul>
          {TABS.map((x) => (
            <li key={x.path}>
              <a href={x.path} aria-current={x === tab ? 'page' : undefined}>
                {t(x.label)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {loadError && (
        <Alert kind="error">
          {loadError}{' '}
          <button type="button" class="btn link" onClick={() => void reload()}>
            {t('account.retry')}
          </button>
        </Alert>
      )}
      {!account && !loadError && (
        <p class="muted" role="status">
          {t('app.loading')}
        </p>
      )}
      {account && tab.body({ account, reload, signedOut })}
    </Page>
  );
}
