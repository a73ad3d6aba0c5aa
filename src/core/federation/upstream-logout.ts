import type { Logger } from 'pino';
import type { UpstreamTokens } from './types.js';
import type { Provider } from './providers/provider.js';
import { callable, timedFetch } from './upstream-http.js';

/**
 * Ends the provider's session, as ARC's `POST /keycloak/logout` did: the refresh token POSTed
 * to the end-session URL with the client's credentials in HTTP Basic. Never throws: a provider
 * that fails is logged (without the token) and the local sign-out goes on.
 */
export async function endUpstreamSession(p: Provider | undefined, tokens: UpstreamTokens, timeoutMs: number, log: Logger): Promise<void> {
  if (!p?.endSessionUrl || !p.clientId || !tokens.refreshToken || !callable(p.endSessionUrl)) return;
  // RFC 6749 §2.3.1: the id and secret are form-encoded before Basic encoding.
  const form = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  const basic = Buffer.from(`${form(p.clientId)}:${form(p.clientSecret ?? '')}`).toString('base64');
  try {
    const res = await timedFetch(timeoutMs)(p.endSessionUrl, {
      method: 'POST',
      redirect: 'manual',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ refresh_token: tokens.refreshToken }).toString(),
    });
    await res.body?.cancel();
    if (res.status >= 300) log.warn({ provider: p.id, status: res.status }, 'upstream logout refused');
  } catch (e) {
    log.warn({ provider: p.id, reason: (e as Error).name }, 'upstream logout failed');
  }
}
