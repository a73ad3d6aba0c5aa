import type { Account, Profile } from '../../core/accounts/accounts.js';
import type { Client } from '../../core/clients.js';
import type { Claims } from '../../core/tokens/jwt.js';
import { arcFail } from './errors.js';

const iso = (ms: number | null) => (ms === null ? undefined : new Date(ms).toISOString());
const dobIso = (dob: string | null) => (dob ? `${dob}T00:00:00.000Z` : undefined);

function age(dob: string, now = new Date()): number {
  const d = new Date(`${dob}T00:00:00Z`);
  let a = now.getUTCFullYear() - d.getUTCFullYear();
  if (now.getUTCMonth() < d.getUTCMonth() || (now.getUTCMonth() === d.getUTCMonth() && now.getUTCDate() < d.getUTCDate())) a--;
  return a;
}

/** ARC's users row as its API shows it (`authClientIds` is the Postgres array literal "{1,2}"). */
export function arcUser(user: Account, clientIds: number[], defaultTenantId: string | null) {
  const out: Record<string, unknown> = {
    id: user.uuid,
    firstName: user.first_name ?? user.name ?? user.username,
    middleName: user.middle_name ?? undefined,
    lastName: user.last_name ?? undefined,
    username: user.username,
    email: user.email ?? undefined,
    phone: user.phone ?? undefined,
    authClientIds: `{${clientIds.join(',')}}`,
    lastLogin: iso(user.last_login_at),
    dob: dobIso(user.dob),
    gender: user.gender ?? undefined,
    defaultTenantId: defaultTenantId ?? undefined,
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

/** The access-token payload of ARC §5.2, in the original's key order. */
export function accessClaims(p: Profile, client: Client, device: { deviceId?: string; userAgent?: string }, locale: string): Claims {
  if (!p.access.userGroupUuid) arcFail(401, 'UserDoesNotExist', { nested: true });
  if (p.access.roleType === null) arcFail(422, 'UnprocessableData');
  const base = arcUser(p.user, p.clientIds, p.access.groupUuid);
  const claims: Claims = { ...base, permissions: p.access.permissions, role: String(p.access.roleType) };
  if (p.user.dob) claims.age = age(p.user.dob);
  claims.authClientId = client.id;
  const deviceInfo: Record<string, string> = {};
  if (device.deviceId) deviceInfo.deviceId = device.deviceId;
  if (device.userAgent) deviceInfo.userAgent = device.userAgent;
  claims.deviceInfo = deviceInfo;
  claims.userPreferences = { locale: p.access.userGroupLocale ?? p.access.groupLocale ?? p.user.locale ?? locale };
  claims.tenantId = p.access.groupUuid;
  claims.userTenantId = p.access.userGroupUuid;
  claims.status = p.user.status;
  return claims;
}
