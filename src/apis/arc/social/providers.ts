/** One of ARC's five social logins: its engine provider id and its paths (reference §6 "Social logins"). */
export interface ArcProvider {
  /** The federation provider id (`core.federation`), also the session's `source`. */
  id: 'google' | 'facebook' | 'instagram' | 'keycloak' | 'apple';
  start: string;
  /** The deprecated `GET <start>?client_id=&client_secret=` variant, where the original has it. */
  getStart: boolean;
  callback: string;
  /**
   * Apple posts the callback (`response_mode=form_post`) when it is asked for name and email;
   * the original declared it as GET only, which a real Apple sign-in never reached.
   */
  postCallback: boolean;
}

export const ARC_PROVIDERS: readonly ArcProvider[] = [
  { id: 'google', start: '/auth/google', getStart: true, callback: '/auth/google-auth-redirect', postCallback: false },
  { id: 'facebook', start: '/auth/facebook', getStart: false, callback: '/auth/facebook-auth-redirect', postCallback: false },
  { id: 'instagram', start: '/auth/instagram', getStart: false, callback: '/auth/instagram-auth-redirect', postCallback: false },
  { id: 'keycloak', start: '/auth/keycloak', getStart: true, callback: '/auth/keycloak-auth-redirect', postCallback: false },
  { id: 'apple', start: '/auth/oauth-apple', getStart: false, callback: '/auth/apple-oauth-redirect', postCallback: true },
];
