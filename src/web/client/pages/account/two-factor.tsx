import { useState } from 'preact/hooks';
import { simple } from '../../api.js';
import { t } from '../../i18n/index.js';
import { Alert, Button, Field } from '../../ui/form.js';
import { failure, Section, useAction, type SectionProps } from './shared.js';
import { css } from './styles.js';

const CODE = /^\d{6}$/;

/**
 * Two-factor authentication with an authenticator app (simple-auth §9). Setting up: a new secret
 * (`GET /api/v1/local/2fa`), shown as the server's QR code (a same-origin image, which the CSP
 * allows) and as text, then confirmed with a current code (`POST`). Turning off takes a current
 * code too (`DELETE`). A wrong code is shown under the code field.
 */
export function TwoFactor({ account, reload, signedOut }: SectionProps) {
  const local = account.auth.local;
  const a = useAction();
  const [secret, setSecret] = useState<string | undefined>(undefined);
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState<string | undefined>(undefined);
  if (!local || !local.twofactorallowed) return null;

  const checkCode = () => {
    const c = code.replace(/\s/g, '');
    if (!CODE.test(c)) {
      setCodeError(c ? t('account.totp.codeFormat') : t('app.required'));
      return undefined;
    }
    setCodeError(undefined);
    return c;
  };
  const wrong = (r: { data: { reason?: string } }) => r.data.reason === 'totp-failed';

  const begin = () =>
    a.run('begin', async () => {
      const r = await simple<{ secret: string }>('GET', 'local/2fa');
      if (signedOut(r)) return;
      if (!r.ok) return a.setError(failure(r));
      setCode('');
      setCodeError(undefined);
      setSecret(r.data.secret);
    });
  const confirm = (e: Event) => {
    e.preventDefault();
    const c = checkCode();
    if (!c || !secret) return;
    void a.run('confirm', async () => {
      const r = await simple('POST', 'local/2fa', { secret, code: c });
      if (wrong(r)) return setCodeError(t('account.totp.wrongCode'));
      if (signedOut(r)) return;
      if (!r.ok) return a.setError(failure(r));
      setSecret(undefined);
      setCode('');
      a.setDone(t('account.totp.enabled'));
      await reload();
    });
  };
  const remove = (e: Event) => {
    e.preventDefault();
    const c = checkCode();
    if (!c) return;
    void a.run('remove', async () => {
      const r = await simple('DELETE', `local/2fa?code=${encodeURIComponent(c)}`);
      if (wrong(r)) return setCodeError(t('account.totp.wrongCode'));
      if (signedOut(r)) return;
      if (!r.ok) return a.setError(failure(r));
      setCode('');
      a.setDone(t('account.totp.disabled'));
      await reload();
    });
  };

  const codeField = (
    <Field label={t('account.totp.code')} name="code" inputMode="numeric" autoComplete="one-time-code" maxLength={7} value={code} onValue={setCode} error={codeError} hint={t('account.totp.codeHint')} required />
  );
  return (
    <Section id="totp" title={t('account.totp.title')}>
      {a.error && <Alert kind="error">{a.error}</Alert>}
      {a.done && <Alert kind="success">{a.done}</Alert>}
      {local.twofactor ? (
        <>
          <p>
            <strong style={css.badge}>{t('account.totp.on')}</strong> {t('account.totp.onText')}
          </p>
          <form onSubmit={remove} noValidate style={css.narrow}>
            {codeField}
            <Button kind="danger" busy={a.busy === 'remove'}>
              {t('account.totp.remove')}
            </Button>
          </form>
        </>
      ) : secret ? (
        <form onSubmit={confirm} noValidate style={css.narrow}>
          <p>{t('account.totp.scan')}</p>
          <img style={css.qr} src={`/api/v1/local/2fa/qrcode?secret=${encodeURIComponent(secret)}`} width={200} height={200} alt={t('account.totp.qrAlt')} />
          <p>
            {t('account.totp.manual')} <code id="totp-secret" style={css.secret}>{secret}</code>
          </p>
          {codeField}
          <div class="actions">
            <Button busy={a.busy === 'confirm'}>{t('account.totp.confirm')}</Button>
            <Button type="button" kind="secondary" onClick={() => setSecret(undefined)}>
              {t('app.cancel')}
            </Button>
          </div>
        </form>
      ) : (
        <>
          <p>
            <strong style={css.badgeOff}>{t('account.totp.off')}</strong> {t('account.totp.offText')}
          </p>
          <Button type="button" busy={a.busy === 'begin'} onClick={() => void begin()}>
            {t('account.totp.setUp')}
          </Button>
        </>
      )}
    </Section>
  );
}
