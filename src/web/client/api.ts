import { csrf } from './boot.js';
import { reasonText, t } from './i18n/index.js';

/** An API answer: the parsed JSON body (or `{}`), whatever the status. */
export interface ApiResult<T = Record<string, unknown>> {
  ok: boolean;
  status: number;
  data: T & ApiErrorBody;
}

/** The error fields the dialects use: simple's `reason`/`message`, ARC's `error.message`, Feathers' `message`/`errors`. */
export interface ApiErrorBody {
  reason?: string;
  message?: string;
  error?: string | { message?: string; details?: { path?: string; message?: string }[] };
  errors?: Record<string, string> | { path?: string; message?: string }[];
}

/**
 * A JSON call to this server. simple-auth's calls carry the CSRF header its cookie session
 * requires; `bearer` is for the APIs that take a token instead. A network failure comes back as
 * status 0 rather than a thrown error, so every page shows it the same way.
 */
export async function call<T = Record<string, unknown>>(method: string, path: string, body?: unknown, o: { bearer?: string } = {}): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { accept: 'application/json', 'x-csrf-token': csrf };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (o.bearer) headers.authorization = `Bearer ${o.bearer}`;
  let r: Response;
  try {
    r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    return { ok: false, status: 0, data: {} as T & ApiErrorBody };
  }
  let data = {} as T & ApiErrorBody;
  try {
    const text = await r.text();
    if (text) data = JSON.parse(text) as T & ApiErrorBody;
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  return { ok: r.ok, status: r.status, data };
}

/** simple-auth's API (`/api/v1/…`), which the account pages are built on. */
export const simple = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => call<T>(method, `/api/v1/${path}`, body);

/** The message to show for a failed call: the catalogue's text of its reason, else the server's message, else a generic one. */
export function errorText(r: ApiResult<unknown>): string {
  if (r.status === 0) return t('app.error.network');
  const d = r.data as ApiErrorBody;
  const known = reasonText(d.reason);
  if (known) return known;
  if (typeof d.error === 'string') return d.error;
  if (d.error && typeof d.error === 'object' && d.error.message) return d.error.message;
  if (d.message) return d.message;
  return t('app.error.unexpected', { status: r.status });
}
