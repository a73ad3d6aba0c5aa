/**
 * The one server-rendered page: sign-in (with the TOTP prompt on `totp-missing`) and the OAuth2
 * grant page at `/#/oauth2?…`. It talks to the API like the original's UI: relative URLs and
 * the CSRF token from `<meta name="csrf">`. Its inline script and style carry the response's CSP
 * nonce (src/web/headers.ts), so nothing else inline runs.
 */
const escapeJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** An external provider's button (simple's `/oidc/{id}`). */
export interface ProviderButton {
  id: string;
  name: string;
}

/**
 * One link per provider, relative as the page's API calls (so a path prefix added by a proxy
 * stays), carrying the page's continue URL; the script swaps in the grant page when the page is
 * at `/#/oauth2…`, so a sign-in through a provider comes back to the grant.
 */
function providerLinks(providers: ProviderButton[], continueUrl: string): string {
  if (!providers.length) return '';
  const query = continueUrl ? `?continue=${encodeURIComponent(continueUrl)}` : '';
  const items = providers.map((p) => `<li><a class="provider" data-provider="${escapeHtml(p.id)}" href="oidc/${escapeHtml(encodeURIComponent(p.id))}${escapeHtml(query)}">Continue with ${escapeHtml(p.name)}</a></li>`);
  return `<nav id="providers" aria-label="Other ways to sign in"><p class="or" aria-hidden="true">or</p><ul>${items.join('')}</ul></nav>`;
}

export function signInPage(o: { csrf: string; company: string; continueUrl: string; nonce: string; providers?: ProviderButton[] }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="csrf" content="${escapeHtml(o.csrf)}"><title>${escapeHtml(o.company)}</title>
<style nonce="${escapeHtml(o.nonce)}">body{font-family:system-ui,sans-serif;background:#f3f4f6;display:flex;justify-content:center;padding-top:10vh;margin:0}
main{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002;width:20rem}h1{font-size:1.3rem;margin-top:0}
label{display:block;margin:.6rem 0 .2rem}input{width:100%;box-sizing:border-box;padding:.5rem}button{margin-top:1rem;padding:.5rem 1rem;width:100%}
.err{color:#b91c1c;min-height:1.2em}.hidden{display:none}
#providers ul{list-style:none;margin:0;padding:0}.or{text-align:center;color:#555;margin:1rem 0 0}
.provider{display:block;margin-top:.6rem;padding:.5rem;text-align:center;border:1px solid #555;border-radius:4px;color:#111;text-decoration:none}
.provider:focus,.provider:hover{background:#e5e7eb;outline:2px solid #1d4ed8;outline-offset:1px}</style></head>
<body><main>
<h1 id="title">${escapeHtml(o.company)}</h1>
<form id="login"><label for="username">Username or email</label><input id="username" name="username" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<div id="totpRow" class="hidden"><label for="totp">2FA Token</label><input id="totp" name="totp" inputmode="numeric" autocomplete="one-time-code"></div>
<button type="submit">Sign in</button></form>
${providerLinks(o.providers ?? [], o.continueUrl)}
<section id="grant" class="hidden"><p id="grantText"></p><button id="grantBtn">Grant</button><button id="logout" type="button">Use another account</button></section>
<section id="done" class="hidden"><p>You are signed in.</p><button id="signout" type="button">Sign out</button></section>
<p class="err" id="err" role="alert"></p>
</main>
<script nonce="${escapeHtml(o.nonce)}">
const app = ${escapeJson({ continueUrl: o.continueUrl })};
const csrf = document.querySelector('meta[name=csrf]').content;
const $ = (id) => document.getElementById(id);
const show = (id) => { for (const s of ['login','grant','done']) $(s).classList.toggle('hidden', s !== id); if ($('providers')) $('providers').classList.toggle('hidden', id !== 'login'); };
const messages = { 'invalid-credentials': 'Wrong username or password.', 'totp-failed': 'Wrong 2FA token.', 'unsatisfied-stipulations': 'This account has a hold: verify your email first.', 'inactive-account': 'This account is inactive.', 'too-many-requests': 'Too many attempts; try again later.', 'session-disabled': 'Sessions are not configured on this server.' };
async function api(method, path, body) {
  const r = await fetch('api/v1/' + path, { method, headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: body && JSON.stringify(body), credentials: 'same-origin' });
  let data = {}; try { data = await r.json(); } catch {}
  return { ok: r.ok, status: r.status, data };
}
function oauthParams() { const h = location.hash; return h.startsWith('#/oauth2') ? new URLSearchParams(h.split('?')[1] || '') : null; }
function redirectWith(uri, code, state) { const u = new URL(uri); u.searchParams.set('code', code); if (state) u.searchParams.set('state', state); location.href = u.toString(); }
async function afterLogin() {
  const p = oauthParams();
  if (p) return startGrant(p);
  const c = app.continueUrl;
  if (c && c.startsWith('/#')) { location.hash = c.slice(1); return route(); }
  if (c) { location.href = c; return; }
  show('done');
}
async function startGrant(p) {
  const req = { client_id: p.get('client_id') || '', response_type: p.get('response_type') || '', redirect_uri: p.get('redirect_uri') || '', scope: p.get('scope') || '', state: p.get('state') || '' };
  for (const k of ['code_challenge', 'code_challenge_method']) if (p.get(k)) req[k] = p.get(k);
  const auto = await api('POST', 'auth/oauth2/grant', { ...req, auto: true });
  if (auto.ok) return redirectWith(req.redirect_uri, auto.data.code, auto.data.state);
  const info = await api('GET', 'auth/oauth2/client/' + encodeURIComponent(req.client_id));
  if (!info.ok) { $('err').textContent = 'Unknown application.'; return; }
  $('grantText').textContent = info.data.name + ' (by ' + info.data.author + ') asks to access your account' + (req.scope ? ' with: ' + req.scope : '') + '.';
  show('grant');
  $('grantBtn').onclick = async () => {
    const g = await api('POST', 'auth/oauth2/grant', req);
    if (g.ok) redirectWith(req.redirect_uri, g.data.code, g.data.state); else $('err').textContent = g.data.error_description || 'The grant was refused.';
  };
}
function providersContinue() {
  if (!oauthParams()) return;
  for (const a of document.querySelectorAll('a.provider')) { const u = new URL(a.href); u.searchParams.set('continue', '/' + location.hash); a.href = u.toString(); }
}
async function route() {
  $('err').textContent = '';
  providersContinue();
  const me = await api('GET', 'account');
  if (me.ok) return afterLogin();
  show('login');
}
$('login').onsubmit = async (e) => {
  e.preventDefault();
  const body = { username: $('username').value, password: $('password').value };
  if ($('totp').value) body.totp = $('totp').value;
  const r = await api('POST', 'auth/session', body);
  if (r.ok) { $('err').textContent = ''; return afterLogin(); }
  if (r.data.reason === 'totp-missing') { $('totpRow').classList.remove('hidden'); $('totp').focus(); $('err').textContent = 'Enter your 2FA token.'; return; }
  $('err').textContent = messages[r.data.reason] || r.data.message || 'Sign-in failed.';
};
const signOut = async () => {
  const r = await api('DELETE', 'auth/session');
  $('err').textContent = r.ok ? '' : messages[r.data.reason] || r.data.message || 'Sign-out failed.';
  if (r.ok) { $('totpRow').classList.add('hidden'); $('totp').value = ''; $('password').value = ''; show('login'); }
};
$('logout').onclick = signOut; $('signout').onclick = signOut;
window.addEventListener('hashchange', route);
route();
</script></body></html>`;
}
