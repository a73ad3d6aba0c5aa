import { useEffect, useState } from 'preact/hooks';
import { simple } from '../../api.js';
import { t, type MessageKey } from '../../i18n/index.js';
import { Alert, Button } from '../../ui/form.js';
import { failure, named, Section, useAction, when, type SectionProps } from './shared.js';
import { css } from './styles.js';

interface OAuthToken {
  client_id: string;
  client_name: string;
  short_token: string;
  type: string;
  created: string;
  expires: string;
}

const TYPES: Record<string, MessageKey> = { code: 'account.apps.type.code', access_token: 'account.apps.type.access', refresh_token: 'account.apps.type.refresh' };

/**
 * Applications holding OAuth2 tokens of the account (simple-auth §6.6), grouped by client, each
 * with "revoke all" (`DELETE /api/v1/auth/oauth2/token?client_id=`, §6.7).
 */
export function OAuthTokens({ signedOut }: SectionProps) {
  const a = useAction();
  const [tokens, setTokens] = useState<OAuthToken[] | undefined>(undefined);
  const load = async () => {
    const r = await simple<{ tokens: OAuthToken[] }>('GET', 'auth/oauth2');
    if (signedOut(r)) return;
    if (!r.ok) return a.setError(failure(r));
    setTokens(r.data.tokens);
  };
  useEffect(() => {
    void load();
  }, []);

  const revokeAll = (clientId: string, name: string) =>
    a.run(`revoke-${clientId}`, async () => {
      const r = await simple('DELETE', `auth/oauth2/token?client_id=${encodeURIComponent(clientId)}`);
      if (signedOut(r)) return;
      if (!r.ok) return a.setError(failure(r));
      a.setDone(t('account.apps.revoked', { name }));
      await load();
    });

  const groups = new Map<string, OAuthToken[]>();
  for (const x of tokens ?? []) groups.set(x.client_id, [...(groups.get(x.client_id) ?? []), x]);

  return (
    <Section id="apps" title={t('account.apps.heading')}>
      <p class="muted">{t('account.apps.intro')}</p>
      {a.error && <Alert kind="error">{a.error}</Alert>}
      {a.done && <Alert kind="success">{a.done}</Alert>}
      {tokens === undefined && !a.error && (
        <p class="muted" role="status">
          {t('app.loading')}
        </p>
      )}
      {tokens && groups.size === 0 && <p class="muted">{t('account.apps.none')}</p>}
      {[...groups].map(([clientId, list]) => {
        const name = list[0]?.client_name || clientId;
        return (
          <div key={clientId}>
            <div style={css.groupHead}>
              <h3 style={css.h3}>
                {name} <span class="muted mono">{clientId}</span>
              </h3>
              <Button type="button" kind="danger" busy={a.busy === `revoke-${clientId}`} aria-label={named(t('account.apps.revokeAll'), name)} onClick={() => void revokeAll(clientId, name)}>
                {t('account.apps.revokeAll')}
              </Button>
            </div>
            <div class="table-wrap">
              <table>
                <caption style={css.hidden}>{t('account.apps.caption', { name })}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('account.apps.type')}</th>
                    <th scope="col">{t('account.apps.token')}</th>
                    <th scope="col" class="optional">
                      {t('account.apps.created')}
                    </th>
                    <th scope="col">{t('account.apps.expires')}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((x) => (
                    <tr key={`${x.type}-${x.short_token}-${x.created}`}>
                      <td>{TYPES[x.type] ? t(TYPES[x.type]!) : x.type}</td>
                      <td class="mono">{x.short_token}…</td>
                      <td class="optional">{when(x.created)}</td>
                      <td>{when(x.expires)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        );
      })}
    </Section>
  );
}
