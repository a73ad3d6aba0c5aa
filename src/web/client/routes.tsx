import { lazy, Route, Router, ErrorBoundary } from 'preact-iso';
import { NotFound } from './pages/not-found.js';

/**
 * The pages by address. Each page is its own chunk, loaded when first shown, so the sign-in page
 * does not download the console. src/web/index.ts PAGE_PATHS lists the same addresses server-side.
 */
const SignIn = lazy(() => import('./pages/auth/sign-in.js').then((m) => m.SignIn));
const CreateAccount = lazy(() => import('./pages/auth/create-account.js').then((m) => m.CreateAccount));
const ForgotPassword = lazy(() => import('./pages/auth/forgot-password.js').then((m) => m.ForgotPassword));
const Activate = lazy(() => import('./pages/auth/activate.js').then((m) => m.Activate));
const ResetPassword = lazy(() => import('./pages/auth/reset-password.js').then((m) => m.ResetPassword));
const ArcSignUp = lazy(() => import('./pages/auth/arc-sign-up.js').then((m) => m.ArcSignUp));
const Consent = lazy(() => import('./pages/auth/consent.js').then((m) => m.Consent));
const Account = lazy(() => import('./pages/account/index.js').then((m) => m.Account));
const Admin = lazy(() => import('./pages/admin/index.js').then((m) => m.Admin));

export function Routes() {
  return (
    <ErrorBoundary>
      <Router>
        <Route path="/" component={SignIn} />
        <Route path="/create" component={CreateAccount} />
        <Route path="/forgot-password" component={ForgotPassword} />
        <Route path="/activate" component={Activate} />
        <Route path="/reset-password" component={ResetPassword} />
        <Route path="/sign-up" component={ArcSignUp} />
        <Route path="/consent" component={Consent} />
        <Route path="/account/*" component={Account} />
        <Route path="/account" component={Account} />
        <Route path="/admin/*" component={Admin} />
        <Route path="/admin" component={Admin} />
        <Route default component={NotFound} />
      </Router>
    </ErrorBoundary>
  );
}

/** simple-auth's hash addresses, as its mails and clients link them, and ours. */
const LEGACY: Record<string, string> = { '': '/', manage: '/account', oauth2: '/consent', 'login-redirect': '/' };

/**
 * The address of a simple-auth hash route (`/#/activate?account=…`, `/#/oauth2?…`, `/#/manage`)
 * in this app, or undefined when `hash` is not one.
 */
export function legacyPath(hash: string): string | undefined {
  const m = /^#\/([^?]*)(\?.*)?$/.exec(hash);
  if (!m) return undefined;
  const name = m[1] ?? '';
  return `${LEGACY[name] ?? `/${name}`}${m[2] ?? ''}`;
}
