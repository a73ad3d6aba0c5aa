import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { simple } from '../../api.js';
import { t } from '../../i18n/index.js';
import { Page } from '../../ui/page.js';
import { Alert } from '../../ui/form.js';

/**
 * `/activate?account=&token=` (simple-auth's mailed `/#/activate?…`): confirms the address at
 * once with `POST /api/v1/stipulation`, as the original did.
 */
export function Activate() {
  const { query } = useLocation();
  const account = query.account ?? '';
  const token = query.token ?? '';
  const [state, setState] = useState<'working' | 'done' | 'failed' | 'incomplete'>(account && token ? 'working' : 'incomplete');
  useEffect(() => {
    if (!account || !token) return;
    void simple('POST', 'stipulation', { account, token }).then((r) => setState(r.ok ? 'done' : 'failed'));
  }, [account, token]);
  return (
    <Page title={t('auth.activate.title')}>
      {state === 'working' && (
        <p class="muted" role="status">
          {t('auth.activate.working')}
        </p>
      )}
      {state === 'done' && <Alert kind="success">{t('auth.activate.done')}</Alert>}
      {state === 'failed' && <Alert kind="error">{t('auth.activate.failed')}</Alert>}
      {state === 'incomplete' && <Alert kind="error">{t('auth.activate.incomplete')}</Alert>}
      {state !== 'working' && (
        <p class="links">
          <a href="/">{t('auth.goSignIn')}</a>
        </p>
      )}
    </Page>
  );
}
