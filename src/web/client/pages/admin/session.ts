import { call, type ApiResult } from '../../api.js';

/**
 * The console's sign-in: the Feathers access token, in memory and in this tab's sessionStorage
 * (a reload keeps the console signed in; another tab, or the tab once closed, does not). Nothing
 * goes to localStorage or a cookie.
 */
const KEY = 'gatehouse.admin.token';
let token: string | undefined = read();

function read(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export const adminToken = () => token;

export function setAdminToken(t: string | undefined): void {
  token = t;
  try {
    if (t) sessionStorage.setItem(KEY, t);
    else sessionStorage.removeItem(KEY);
  } catch {
    // Storage refused (private mode): the token stays in memory for this page.
  }
}

/** Listeners told when the token is refused (401): the console goes back to its sign-in. */
const expired = new Set<() => void>();
export function onExpired(f: () => void): () => void {
  expired.add(f);
  return () => expired.delete(f);
}

/** A call to the Feathers services with the console's token; a 401 forgets it. */
export async function api<T = Record<string, unknown>>(method: string, path: string, body?: unknown, serviceMethod?: string): Promise<ApiResult<T>> {
  const r = serviceMethod ? await custom<T>(path, serviceMethod, body) : await call<T>(method, path, body, { bearer: token });
  if (r.status === 401 && token) {
    setAdminToken(undefined);
    for (const f of expired) f();
  }
  return r;
}

/** A Feathers custom method over REST: POST with `X-Service-Method`. */
async function custom<T>(path: string, name: string, body: unknown): Promise<ApiResult<T>> {
  let r: Response;
  try {
    r = await fetch(path, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json', 'x-service-method': name, ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body ?? {}),
      credentials: 'same-origin',
    });
  } catch {
    return { ok: false, status: 0, data: {} as never };
  }
  let data = {} as never;
  try {
    const text = await r.text();
    if (text) data = JSON.parse(text) as never;
  } catch {
    // not JSON
  }
  return { ok: r.ok, status: r.status, data };
}

/** Signs out: `DELETE /authentication` ends the session server-side, then the token is forgotten. */
export async function signOut(): Promise<void> {
  if (token) await call('DELETE', '/authentication', undefined, { bearer: token });
  setAdminToken(undefined);
  for (const f of expired) f();
}

/** A query string from Feathers query params (`{$limit: 10, created_at: {$gte: …}}`), qs style. */
export function qs(q: Record<string, unknown>): string {
  const parts: string[] = [];
  const add = (k: string, v: unknown) => {
    if (v === undefined || v === null || v === '') return;
    if (typeof v === 'object') for (const [kk, vv] of Object.entries(v as Record<string, unknown>)) add(`${k}[${kk}]`, vv);
    else parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  };
  for (const [k, v] of Object.entries(q)) add(k, v);
  return parts.length ? `?${parts.join('&')}` : '';
}

/** A Feathers page. */
export interface Paged<T> {
  total: number;
  limit: number;
  skip: number;
  data: T[];
}
