import { useEffect, useState } from 'preact/hooks';
import { simple } from '../../api.js';
import { t } from '../../i18n/index.js';
import { Alert, Button, Field } from '../../ui/form.js';
import { failure, named, Section, useAction, when, type SectionProps } from './shared.js';
import type { SessionView } from './sessions.js';
import { css } from './styles.js';

const DAYS = [7, 30, 90, 365];

/**
 * Personal access tokens (`/api/v1/account/tokens`, a Gatehouse addition): bearer tokens for the
 * Feathers API that live until they expire or are revoked. A new token is shown once, in this
 * page only; the server keeps a hash of its signature and never answers it again.
 */
export function AccessTokens({ signedOut }: SectionProps) {
  const a = useAction();
  const [list, setList] = useState<SessionView[] | undefined>(undefined);
  const [title, setTitle] = useState('');
  const [days, setDays] = useState('30');
  const [titleError, setTitleError] = useState<string | undefined>(undefined);
  const [made, setMade] = useState<{ title: string; token: string } | undefined>(undefined);
  const load = async () => {
    const r = await simple<{ tokens: SessionView[] }>('GET', 'account/tokens');
    if (signedOut(r)) return;
    if (!r.ok) return a.setError(failure(r));
    setList(r.data.tokens);
  };
  useEffect(() => {
    void load();
  }, []);

  const create = (e: Event) => {
    e.preventDefault();
    const name = title.trim();
    if (!name) return setTitleError(t('app.required'));
    setTitleError(undefined);
    void a.run('create', async () => {
      setMade(undefined);
      const r = await simple<{ token: string }>('POST', 'account/tokens', { title: name, expiresInDays: Number(days) });
      if (signedOut(r)) return;
      if (!r.ok) return a.setError(failure(r));
      setMade({ title: name, token: r.data.token });
      setTitle('');
      await load();
    });
  };
  const revoke = (x: SessionView) =>
    a.run(`revoke-${x.id}`, async () => {
      const r = await simple('DELETE', `account/tokens/${x.id}`);
      if (signedOut(r)) return;
      if (!r.ok && r.status !== 404) return a.setError(failure(r));
      if (made && made.title === x.title) setMade(undefined);
      a.setDone(t('account.tokens.revoked', { name: x.title ?? '' }));
      await load();
    });

  return (
    <Section id="tokens" title={t('account.tokens.title')}>
      <p class="muted">{t('account.tokens.intro')}</p>
      {a.error && <Alert kind="error">{a.error}</Alert>}
      {a.done && <Alert kind="success">{a.done}</Alert>}
      {made && (
        <Alert kind="success">
          <p>{t('account.tokens.created', { name: made.title })}</p>
          <label for="new-token">{t('account.tokens.value')}</label>
          <input id="new-token" class="mono" readOnly value={made.token} onFocus={(e) => e.currentTarget.select()} />
          <p class="hint">{t('account.tokens.once')}</p>
        </Alert>
      )}
      {list && list.length === 0 && <p class="muted">{t('account.tokens.none')}</p>}
      {list && list.length > 0 && (
        <ul class="plain" aria-label={t('account.tokens.title')}>
          {list.map((x) => (
            <li key={x.id} style={css.row}>
              <span>
                <strong>{x.title}</strong>
                <br />
                <span class="muted">
                  {t('account.tokens.made', { date: when(x.created) })} · {t('account.tokens.expires', { date: when(x.expires) })}
                </span>
              </span>
              <Button type="button" kind="secondary" busy={a.busy === `revoke-${x.id}`} aria-label={named(t('account.tokens.revoke'), x.title ?? '')} onClick={() => void revoke(x)}>
                {t('account.tokens.revoke')}
              </Button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={create} noValidate style={css.narrow}>
        <h3 style={css.h3}>{t('account.tokens.new')}</h3>
        <Field label={t('account.tokens.name')} name="title" maxLength={255} value={title} onValue={setTitle} error={titleError} required />
        <div class="field">
          <label for="token-days">{t('account.tokens.lifetime')}</label>
          <select id="token-days" value={days} onChange={(e) => setDays(e.currentTarget.value)}>
            {DAYS.map((d) => (
              <option key={d} value={String(d)}>
                {t('account.tokens.days', { days: d })}
              </option>
            ))}
          </select>
        </div>
        <Button busy={a.busy === 'create'}>{t('account.tokens.create')}</Button>
      </form>
    </Section>
  );
}
