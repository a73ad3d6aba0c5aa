import { Type } from '@sinclair/typebox';

const title = Type.Union([Type.String({ maxLength: 255 }), Type.Null()]);

/**
 * A personal access token, as the official client creates one (`{revoked: false, expires_at,
 * title}`). `user_id` names another account only for administrators and `auth_sessions_write`.
 * The spec's other fields (ip, user agent, geolocation, encrypted_token) are the server's to set.
 */
export const AuthSessionCreate = Type.Object(
  {
    title: Type.Optional(title),
    expires_at: Type.String({
      minLength: 10,
      maxLength: 40,
      description: "ISO 8601, or 'YYYY-MM-DD HH:mm:ss' (UTC, the official client's form); '9999-12-31 23:59:59' never expires",
    }),
    revoked: Type.Optional(Type.Literal(false)),
    user_id: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })),
  },
  { additionalProperties: false },
);

/** What a session's owner may change: its title, and `revoked: true` (for good). */
export const AuthSessionPatch = Type.Object({ title: Type.Optional(title), revoked: Type.Optional(Type.Boolean()) }, { additionalProperties: false });

// Date, then optionally a time (T or space) with optional seconds, fraction and zone.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
/** The latest instant a four-digit year can name: the client's "never". */
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * An expiry as epoch milliseconds, or undefined when it is no real date. A time without a zone is
 * UTC (the official client sends 'YYYY-MM-DD HH:mm:ss' without one; `Date.parse` would read that
 * as the server's local time). Impossible dates such as Feb 30 are refused, not rolled over.
 */
export function expiryOf(value: string): number | undefined {
  const m = DATE_TIME.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s, frac, zone] = m.slice(1);
  const [Y, M, D, H, MI, S] = [y, mo, d, h ?? '0', mi ?? '0', s ?? '0'].map(Number) as [number, number, number, number, number, number];
  if (M < 1 || M > 12 || D < 1 || H > 23 || MI > 59 || S > 59) return undefined;
  const at = new Date(0);
  // setUTCFullYear, not Date.UTC: the latter reads years 0-99 as 1900-1999.
  at.setUTCFullYear(Y, M - 1, D);
  if (at.getUTCDate() !== D) return undefined;
  at.setUTCHours(H, MI, S, Number(`${frac ?? ''}000`.slice(0, 3)));
  let offsetMin = 0;
  if (zone && zone !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
    const zh = Number(z?.[2]);
    const zm = Number(z?.[3]);
    if (!z || zh > 23 || zm > 59) return undefined;
    offsetMin = (z[1] === '-' ? -1 : 1) * (zh * 60 + zm);
  }
  const ms = at.getTime() - offsetMin * 60_000;
  return ms <= LATEST ? ms : undefined;
}
