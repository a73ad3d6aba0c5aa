/**
 * Permissions Gatehouse itself checks. The `admin` role holds all of them. `NotAllowed` is the
 * literal permission the ARC spec puts on `/auth-clients`.
 */
export const PERMISSIONS = {
  manageClients: 'NotAllowed',
  manageOtp: 'ManageOtp',
  createResetToken: 'CreateResetToken',
  createSignupToken: 'CreateSignupToken',
} as const;

export const BUILTIN_PERMISSIONS: string[] = Object.values(PERMISSIONS);

/** ARC user status (user_tenants.status). */
export const STATUS = { registered: 0, active: 1, inactive: 2, passwordChangeNeeded: 3, rejected: 4 } as const;

/** An account that may not sign in at all (inactive or rejected). */
export const isBlocked = (u: { status: number }): boolean => u.status === STATUS.inactive || u.status === STATUS.rejected;
export const STATUS_NAMES: Record<string, number> = {
  registered: 0,
  active: 1,
  inactive: 2,
  'password-change-needed': 3,
  rejected: 4,
};
