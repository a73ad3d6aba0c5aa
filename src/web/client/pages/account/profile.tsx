import { t } from '../../i18n/index.js';
import { Section, when, type SectionProps } from './shared.js';

/** Who is signed in: email, name, username, account id and creation date (simple-auth's account card). */
export function Profile({ account }: SectionProps) {
  return (
    <Section id="profile" title={t('account.profile.title')}>
      <dl class="props">
        <dt>{t('account.profile.email')}</dt>
        <dd>{account.email || <span class="muted">{t('account.none')}</span>}</dd>
        <dt>{t('account.profile.name')}</dt>
        <dd>{account.name}</dd>
        {account.auth.local && (
          <>
            <dt>{t('account.profile.username')}</dt>
            <dd>{account.auth.local.username}</dd>
          </>
        )}
        <dt>{t('account.profile.id')}</dt>
        <dd class="mono">{account.id}</dd>
        <dt>{t('account.profile.created')}</dt>
        <dd>{when(account.created)}</dd>
      </dl>
    </Section>
  );
}
