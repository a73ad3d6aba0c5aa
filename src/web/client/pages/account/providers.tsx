import { boot } from '../../boot.js';
import { simple } from '../../api.js';
import { t } from '../../i18n/index.js';
import { Alert, Button } from '../../ui/form.js';
import { failure, named, Section, useAction, type SectionProps } from './shared.js';
import { css } from './styles.js';

/**
 * External providers linked to the account (simple-auth's OIDC cards): unlink one, or link one
 * of the server's providers not linked yet. Linking asks the API for the provider's address
 * (a POST with the CSRF header, so no other site can start it) and goes there; the provider
 * sends the browser back to `/oidc/{id}/callback`, which returns here.
 */
export function Providers({ account, reload, signedOut }: SectionProps) {
  const a = useAction();
  const linked = account.auth.oidc ?? [];
  const more = boot.login.providers.filter((p) => !linked.some((l) => l.provider === p.id));
  if (!linked.length && !more.length) return null;

  const unlink = (provider: string, subject: string, name: string) =>
    a.run(`unlink-${provider}-${subject}`, async () => {
      const r = await simple('DELETE', `account/oidc/${encodeURIComponent(provider)}?subject=${encodeURIComponent(subject)}`);
      if (signedOut(r)) return;
      if (!r.ok) return a.setError(failure(r));
      a.setDone(t('account.providers.unlinked', { name }));
      await reload();
    });
  const link = (id: string) =>
    a.run(`link-${id}`, async () => {
      const r = await simple<{ url: string }>('POST', `account/oidc/${encodeURIComponent(id)}`, { continue: '/account' });
      if (signedOut(r)) return;
      if (!r.ok || !r.data.url) return a.setError(failure(r));
      window.location.assign(r.data.url);
    });

  return (
    <Section id="providers" title={t('account.providers.title')}>
      {a.error && <Alert kind="error">{a.error}</Alert>}
      {a.done && <Alert kind="success">{a.done}</Alert>}
      {linked.length ? (
        <ul class="plain">
          {linked.map((l) => (
            <li key={`${l.provider}/${l.subject}`} style={css.row}>
              <span>
                <strong>{l.name}</strong> <span class="muted mono">{l.subject}</span>
              </span>
              <Button type="button" kind="secondary" busy={a.busy === `unlink-${l.provider}-${l.subject}`} aria-label={named(t('account.providers.unlink'), l.name)} onClick={() => void unlink(l.provider, l.subject, l.name)}>
                {t('account.providers.unlink')}
              </Button>
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">{t('account.providers.none')}</p>
      )}
      {more.length > 0 && (
        <div class="actions">
          {more.map((p) => (
            <Button key={p.id} type="button" kind="secondary" busy={a.busy === `link-${p.id}`} onClick={() => void link(p.id)}>
              {t('account.providers.link', { name: p.name })}
            </Button>
          ))}
        </div>
      )}
    </Section>
  );
}
