import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { boot } from '../../boot.js';
import { t, type MessageKey } from '../../i18n/index.js';
import { Alert, Button } from '../../ui/form.js';
import { Page } from '../../ui/page.js';
import { AdminSignIn } from './sign-in.js';
import { adminToken, api, onExpired, signOut } from './session.js';
import { Users } from './users.js';
import { UserDetail } from './user-detail.js';
import { Clients } from './clients.js';
import { Sessions } from './sessions.js';
import { Audit } from './audit.js';
import { Roles } from './roles.js';
import { ConfigView } from './config.js';

/** The console's screens, in the order of its navigation. */
const SCREENS: { path: string; label: MessageKey }[] = [
  { path: '/admin/users', label: 'admin.nav.users' },
  { path: '/admin/clients', label: 'admin.nav.clients' },
  { path: '/admin/roles', label: 'admin.nav.roles' },
  { path: '/admin/sessions', label: 'admin.nav.sessions' },
  { path: '/admin/audit', label: 'admin.nav.audit' },
  { path: '/admin/config', label: 'admin.nav.config' },
];

type Access = 'signed-out' | 'checking' | 'admin' | 'denied' | 'error';

/**
 * The admin console (`/admin`, `/admin/*`). Signed out: its sign-in form. Signed in: one call
 * to an administrators-only service says whether the account may use the console; anyone else
 * sees "no access" and no data (the services refuse them anyway: 403).
 */
export function Admin() {
  const [access, setAccess] = useState<Access>(adminToken() ? 'checking' : 'signed-out');
  useEffect(() => onExpired(() => setAccess('signed-out')), []);
  useEffect(() => {
    if (access !== 'checking') return;
    void api('GET', '/admin_users?$limit=0').then((r) => {
      if (r.ok) setAccess('admin');
      else if (r.status === 403) setAccess('denied');
      else if (r.status !== 401) setAccess('error');
    });
  }, [access]);

  if (!boot.admin)
    return (
      <Page title={t('admin.title')}>
        <Alert kind="info">{t('admin.disabled')}</Alert>
      </Page>
    );
  if (access === 'signed-out') return <AdminSignIn onSignedIn={() => setAccess('checking')} />;
  if (access === 'denied') return <NoAccess />;
  if (access !== 'admin')
    return (
      <Page title={t('admin.title')}>
        <p aria-live="polite">{access === 'checking' ? t('app.loading') : t('admin.checkFailed')}</p>
      </Page>
    );
  return <Console />;
}

function NoAccess() {
  return (
    <Page title={t('admin.noAccess.title')}>
      <Alert kind="error">{t('admin.noAccess.text')}</Alert>
      <div class="actions">
        <Button type="button" kind="secondary" onClick={() => void signOut()}>
          {t('app.signOut')}
        </Button>
      </div>
    </Page>
  );
}

function Nav(p: { path: string }) {
  return (
    <nav class="tabs" aria-label={t('admin.nav.label')}>
      <ul>
        {SCREENS.map((s) => (
          <li key={s.path}>
            <a href={s.path} aria-current={p.path === s.path || p.path.startsWith(`${s.path}/`) ? 'page' : undefined}>
              {t(s.label)}
            </a>
          </li>
        ))}
        <li>
          <button type="button" class="btn link" onClick={() => void signOut()}>
            {t('app.signOut')}
          </button>
        </li>
      </ul>
    </nav>
  );
}

function Console() {
  const { path, route } = useLocation();
  const clean = path.replace(/\/+$/, '') || '/admin';
  useEffect(() => {
    if (clean === '/admin') route('/admin/users', true);
  }, [clean]);
  const user = /^\/admin\/users\/(\d+)$/.exec(clean);
  const screen = SCREENS.find((s) => s.path === clean);
  const title = user ? t('admin.user.title') : screen ? t(screen.label) : t('admin.title');
  return (
    <Page title={title} wide nav={<Nav path={clean} />}>
      {user ? (
        <UserDetail id={Number(user[1])} />
      ) : clean === '/admin/users' || clean === '/admin' ? (
        <Users />
      ) : clean === '/admin/clients' ? (
        <Clients />
      ) : clean === '/admin/roles' ? (
        <Roles />
      ) : clean === '/admin/sessions' ? (
        <Sessions />
      ) : clean === '/admin/audit' ? (
        <Audit />
      ) : clean === '/admin/config' ? (
        <ConfigView />
      ) : (
        <p>{t('app.notFound')}</p>
      )}
    </Page>
  );
}
