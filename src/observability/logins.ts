/**
 * The password sign-ins of each dialect, by route pattern: core knows no dialect (its audit
 * events do not say which wire a sign-in came through), so metrics tell them apart here, from
 * the route that answered. Each entry names the dialect, or undefined when the request is not a
 * sign-in after all (a Feathers JWT re-authentication, an OAuth2 grant other than `password`).
 * Feathers sign-ins over socket.io pass through no route: the dialect notes them (AUDIT_SOCKET_SIGN_IN).
 */
type Classify = (body: unknown) => string | undefined;

const field = (body: unknown, name: string): unknown => (typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined);

/** The rule of src/apis/shared-login.ts: `email` and no `client_id` is basic's, the rest ARC's web flow. */
const arcOrBasic: Classify = (body) => (field(body, 'email') !== undefined && field(body, 'client_id') === undefined ? 'basic' : 'arc');

export const LOGIN_ROUTES: ReadonlyMap<string, Classify> = new Map<string, Classify>([
  ['/auth/login', arcOrBasic],
  ['/auth/login-token', () => 'arc'],
  ['/api/v1/auth/session', () => 'simple'],
  ['/api/v1/auth/simple', () => 'simple'],
  ['/api/v1/auth/oauth2/token', (body) => (field(body, 'grant_type') === 'password' ? 'simple' : undefined)],
  ['/authentication', (body) => {
    const strategy = field(body, 'strategy');
    return strategy === undefined || strategy === 'local' ? 'feathers' : undefined;
  }],
]);

export type LoginResult = 'success' | 'failure' | 'locked' | 'error';

/** A sign-in's outcome from its status: 429 is the lockout answer of every dialect. */
export function loginResult(status: number): LoginResult {
  if (status < 400) return 'success';
  if (status === 429) return 'locked';
  return status < 500 ? 'failure' : 'error';
}
