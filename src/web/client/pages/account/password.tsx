import { useState } from 'preact/hooks';
import { boot } from '../../boot.js';
import { simple } from '../../api.js';
import { t } from '../../i18n/index.js';
import { Alert, Button, Field } from '../../ui/form.js';
import { failure, Section, useAction, type SectionProps } from './shared.js';
import { css } from './styles.js';

/**
 * Change the password (`POST /api/v1/local/password`). The old password is asked for unless the
 * session came from a one-time link (forgot password): the API says which with
 * `auth.local.requireOldPassword`, and the page then offers to set a new password without it.
 * The change ends every other session; this browser gets a new cookie and stays signed in.
 */
export function Password({ account, reload, signedOut }: SectionProps) {
  const local = account.auth.local;
  const a = useAction();
  const [old, setOld] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [errors, setErrors] = useState<{ old?: string; next?: string; again?: string }>({});
  if (!local) return null;
  const { passwordMin: min, passwordMax: max } = boot.requirements;

  const submit = (e: Event) => {
    e.preventDefault();
    const found: typeof errors = {};
    if (local.requireOldPassword && !old) found.old = t('app.required');
    if (!next) found.next = t('app.required');
    else if (next.length < min) found.next = t('account.password.tooShort', { min });
    else if (next.length > max) found.next = t('account.password.tooLong', { max });
    if (next && again !== next) found.again = t('account.password.mismatch');
    setErrors(found);
    if (Object.keys(found).length) return;
    void a.run('password', async () => {
      const r = await simple('POST', 'local/password', local.requireOldPassword ? { oldpassword: old, newpassword: next } : { newpassword: next });
      if (r.status === 401 && r.data.reason === 'invalid-credentials') return setErrors({ old: t('account.password.wrongOld') });
      if (signedOut(r)) return;
      if (!r.ok) {
        if (r.data.reason === 'credentials-failed-requirements' || r.data.reason === 'bad-request') return setErrors({ next: failure(r) });
        return a.setError(failure(r));
      }
      setOld('');
      setNext('');
      setAgain('');
      a.setDone(t('account.password.changed'));
      await reload();
    });
  };

  return (
    <Section id="password" title={local.requireOldPassword ? t('account.password.title') : t('account.password.setTitle')}>
      {!local.requireOldPassword && <Alert kind="info">{t('account.password.fromLink')}</Alert>}
      {a.error && <Alert kind="error">{a.error}</Alert>}
      {a.done && <Alert kind="success">{a.done}</Alert>}
      <form onSubmit={submit} noValidate style={css.narrow}>
        {/* A username field (hidden from view) lets password managers file the new password under the right account. */}
        <input type="text" name="username" autoComplete="username" value={local.username} readOnly hidden />
        {local.requireOldPassword && <Field label={t('account.password.old')} name="oldpassword" type="password" autoComplete="current-password" value={old} onValue={setOld} error={errors.old} required />}
        <Field label={t('account.password.new')} name="newpassword" type="password" autoComplete="new-password" value={next} onValue={setNext} error={errors.next} hint={t('account.password.hint', { min, max })} required />
        <Field label={t('account.password.again')} name="newpassword2" type="password" autoComplete="new-password" value={again} onValue={setAgain} error={errors.again} required />
        <Button busy={a.busy === 'password'}>{local.requireOldPassword ? t('account.password.submit') : t('account.password.setSubmit')}</Button>
      </form>
    </Section>
  );
}
