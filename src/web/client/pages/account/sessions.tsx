import { useEffect, useState } from 'preact/hooks';
import { simple } from '../../api.js';
import { t, type MessageKey } from '../../i18n/index.js';
import { Alert, Button } from '../../ui/form.js';
import { failure, named, Section, useAction, when, type SectionProps } from './shared.js';
import { css } from './styles.js';

/** A session as `GET /api/v1/account/sessions` answers it (a Gatehouse addition). */
export interface SessionView {
  id: number;
  current: boolean;
  source: string;
  title: string | null;
  ip: string | null;
  useragent: string | null;
  browser: string | null;
  os: string | null;
  device: string | null;
  created: string;
  updated: string;
  expires: string;
}

const SOURCES: Record<string, MessageKey> = { login: 'account.sessions.source.login', oidc: 'account.sessions.source.oidc', onetime: 'account.sessions.source.onetime' };

/** "Chrome 120 on Linux", from the parsed user agent (ua-parser-js, server side). */
export function deviceText(s: SessionView): string {
  if (s.browser && s.os) return t('account.sessions.browserOn', { browser: s.browser, os: s.os });
  return s.browser ?? s.os ?? s.useragent ?? t('account.sessions.unknownDevice');
}

/**
 * Where the account is signed in: every live session of every dialect (this server's cookies,
 * and the other APIs' sign-ins), this one marked. One can be signed out, or all but this one;
 * a signed-out session's cookie or token is refused at once.
 */
export function Sessions({ signedOut }: SectionProps) {
  const a = useAction();
  const [list, setList] = useState<SessionView[] | undefined>(undefined);
  const load = async () => {
    const r = await simple<{ sessions: SessionView[] }>('GET', 'account/sessions');
    if (signedOut(r)) return;
    if (!r.ok) return a.setError(failure(r));
    setList(r.data.sessions);
  };
  useEffect(() => {
    void load();
  }, []);

  const end = (s: SessionView) =>
    a.run(`end-${s.id}`, async () => {
      const r = await simple('DELETE', `account/sessions/${s.id}`);
      if (signedOut(r)) return;
      if (!r.ok && r.status !== 404) return a.setError(failure(r));
      a.setDone(t('account.sessions.ended'));
      await load();
    });
  const endOthers = () =>
    a.run('others', async () => {
      const r = await simple<{ ended: number }>('DELETE', 'account/sessions');
      if (signedOut(r)) return;
      if (!r.ok) return a.setError(failure(r));
      a.setDone(t('account.sessions.endedOthers', { count: r.data.ended }));
      await load();
    });

  const others = (list ?? []).filter((s) => !s.current).length;
  return (
    <Section id="sessions" title={t('account.sessions.title')}>
      {a.error && <Alert kind="error">{a.error}</Alert>}
      {a.done && <Alert kind="success">{a.done}</Alert>}
      {list === undefined && !a.error && (
        <p class="muted" role="status">
          {t('app.loading')}
        </p>
      )}
      {list && (
        <ul class="plain" aria-label={t('account.sessions.title')}>
          {list.map((s) => (
            <li key={s.id} style={css.row} data-session={s.id}>
              <span>
                <strong>{deviceText(s)}</strong>
                {s.current && <span style={css.badge}>{t('account.sessions.current')}</span>}
                <br />
                <span class="muted">
                  {[s.device, s.ip, SOURCES[s.source] ? t(SOURCES[s.source]!) : s.source].filter(Boolean).join(' · ')}
                  <br />
                  {t('account.sessions.since', { date: when(s.created) })}
                </span>
              </span>
              {!s.current && (
                <Button type="button" kind="secondary" busy={a.busy === `end-${s.id}`} aria-label={named(t('account.sessions.end'), deviceText(s))} onClick={() => void end(s)}>
                  {t('account.sessions.end')}
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
      {others > 0 && (
        <div class="actions">
          <Button type="button" kind="danger" busy={a.busy === 'others'} onClick={() => void endOthers()}>
            {t('account.sessions.endOthers')}
          </Button>
        </div>
      )}
    </Section>
  );
}
