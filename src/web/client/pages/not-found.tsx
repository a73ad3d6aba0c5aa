import { Page } from '../ui/page.js';
import { t } from '../i18n/index.js';

export function NotFound() {
  return (
    <Page title={t('app.notFound')}>
      <p>
        <a href="/">{t('app.backHome')}</a>
      </p>
    </Page>
  );
}
