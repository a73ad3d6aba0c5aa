import { t } from '../../i18n/index.js';
import { api } from './session.js';
import { Outcome, Table, useLoad } from './parts.js';

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** The effective configuration, read only; the server masks every secret before it leaves (admin_config). */
export function ConfigView() {
  const cfg = useLoad(() => api<Record<string, unknown>>('GET', '/admin_config'), []);
  return (
    <>
      <p class="muted">{t('admin.config.intro')}</p>
      <Outcome error={cfg.error} />
      {cfg.data && (
        <Table caption={t('admin.config.caption')} head={[t('admin.config.key'), t('admin.config.value')]}>
          {Object.entries(cfg.data).map(([k, v]) => (
            <tr key={k}>
              <th scope="row">
                <code>{k}</code>
              </th>
              <td>
                <code>{show(v)}</code>
              </td>
            </tr>
          ))}
        </Table>
      )}
    </>
  );
}
