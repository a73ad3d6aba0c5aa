import { randomUUID } from 'node:crypto';
import type { SessionRow, SessionsRepo } from '../../store/sessions.js';
import type { RevocationList } from '../tokens/revocations.js';
import { AUDIT_REFRESH_ROTATED, type AuditLog } from '../audit.js';
import { randomHex, sha256 } from '../util/crypto.js';
import { fail } from '../errors.js';
import { isBlocked } from '../rbac/permissions.js';
import { clientInfo } from './client-info.js';

/** The account a session belongs to, as far as its right to one goes (live rows only). */
type AccountOf = (userId: number) => Promise<{ status: number; sessions_not_before: number | null } | undefined>;

/** An access token a dialect minted for a session: the string, its signature and expiry. */
export interface Minted {
  token: string;
  sig: string;
  expMs: number;
  /** Lifetime of the refresh token issued beside it, when the minter decides it (per client). */
  refreshTtlSec?: number;
}
export interface Issued {
  refreshToken: string;
  access: Minted;
  session: SessionRow;
}
export interface SessionStart {
  userId: number;
  clientId: number | null;
  kind: string;
  source?: string;
  deviceId?: string | null;
  userAgent?: string | null;
  /** A personal access token's name (Feathers `auth_sessions.title`). */
  title?: string | null;
  ip?: string | null;
  refreshTtlSec: number;
  /**
   * The account's session cut-off when its credentials were checked: if it has moved by the
   * time the session is stored (a password change or a block in between), the session is ended
   * at once and the login fails.
   */
  cutOffSeen?: number | null;
  /** A federated sign-in's provider tokens, sealed by core.federation (ARC's `/keycloak/logout` ends the upstream session with them). */
  upstream?: string | null;
}

const sigOf = (token: string) => token.slice(token.lastIndexOf('.') + 1);

/**
 * Login sessions as refresh-token families. Refresh tokens are opaque, stored hashed, rotate on
 * every use, and a reused (already rotated) one ends its whole family.
 */
export function sessions(repo: SessionsRepo, revocations: RevocationList, audit: AuditLog, accountOf: AccountOf) {
  /** Blocked and deleted accounts get no session and keep none, whichever dialect asks. */
  const mayHold = async (userId: number) => {
    const a = await accountOf(userId);
    return a !== undefined && !isBlocked(a);
  };
  async function endFamily(sessionId: number): Promise<void> {
    for (const t of await repo.revoke(sessionId, Date.now())) await revocations.revokeHash(t.sig, t.exp);
  }
  /** Looks a refresh token up; unknown, expired, ended or reused ones fail as `token_expired`. */
  async function live(refreshToken: string, kind: string) {
    const now = Date.now();
    const rt = await repo.refresh(sha256(refreshToken));
    if (!rt || rt.session.kind !== kind || rt.expires_at <= now || rt.session.revoked_at !== null) return fail('token_expired', 'Token Expired');
    if (rt.used_at !== null) {
      await endFamily(rt.session_id);
      await audit.record({ userId: rt.session.user_id, module: 'session', level: 'warn', message: 'Refresh token reused; session ended' });
      return fail('token_expired', 'Token Expired');
    }
    return rt;
  }
  /** ARC binds a refresh token to the access token issued with it (compared, not verified). */
  function checkPair(rt: { access_sig: string | null }, pairedAccess: string | null | undefined): void {
    if (pairedAccess === undefined) return;
    if (!pairedAccess || !rt.access_sig || sha256(sigOf(pairedAccess)) !== rt.access_sig) fail('token_invalid', 'Token Invalid');
  }

  return {
    async start(s: SessionStart, mint: (session: { uuid: string }) => Minted): Promise<Issued> {
      // With `cutOffSeen`, the check after storing covers this one too (a block moves the cut-off).
      if (s.cutOffSeen === undefined && !(await mayHold(s.userId))) fail('user_inactive', 'inactive-account');
      const now = Date.now();
      const uuid = randomUUID();
      const access = mint({ uuid });
      const refreshToken = randomHex(32);
      const expires = now + s.refreshTtlSec * 1000;
      const session = await repo.create(
        {
          uuid,
          user_id: s.userId,
          client_id: s.clientId,
          kind: s.kind,
          source: s.source ?? 'password',
          device_id: s.deviceId ?? null,
          user_agent: s.userAgent ?? null,
          client_info: s.userAgent ? JSON.stringify(clientInfo(s.userAgent)) : null,
          title: s.title ?? null,
          ip: s.ip ?? null,
          created_at: now,
          last_used_at: now,
          expires_at: expires,
          upstream_enc: s.upstream ?? null,
        },
        { hash: sha256(refreshToken), access_sig: sha256(access.sig), access_exp: access.expMs, expires_at: expires },
      );
      if (s.cutOffSeen !== undefined) {
        const now = await accountOf(s.userId);
        if (!now || isBlocked(now) || Number(now.sessions_not_before ?? 0) !== Number(s.cutOffSeen ?? 0)) {
          await endFamily(session.id);
          fail('invalid_credentials', 'Invalid Credentials');
        }
      }
      return { refreshToken, access, session };
    },

    /**
     * Rotates a refresh token. Of concurrent rotations of one token exactly one succeeds; the
     * others count as reuse. The access token issued with the old refresh token is revoked.
     */
    async rotate(
      refreshToken: string,
      opts: { kind: string; pairedAccess?: string | null; refreshTtlSec?: number; mint: (session: SessionRow) => Promise<Minted> | Minted },
    ): Promise<Issued> {
      const rt = await live(refreshToken, opts.kind);
      checkPair(rt, opts.pairedAccess);
      if (!(await mayHold(rt.session.user_id))) {
        await endFamily(rt.session_id);
        return fail('token_expired', 'Token Expired');
      }
      const access = await opts.mint(rt.session);
      const next = randomHex(32);
      const now = Date.now();
      const paired = rt.access_sig && rt.access_exp && rt.access_exp > now ? { key: rt.access_sig, until: rt.access_exp } : undefined;
      const won = await repo.rotate(rt.hash, rt.session_id, { hash: sha256(next), access_sig: sha256(access.sig), access_exp: access.expMs, expires_at: now + (access.refreshTtlSec ?? opts.refreshTtlSec ?? 0) * 1000 }, now, paired);
      if (!won) {
        await endFamily(rt.session_id);
        return fail('token_expired', 'Token Expired');
      }
      // Written with the rotation: this node holds it at once, the others when woken.
      if (paired) revocations.written(paired.key, paired.until);
      audit.note({ userId: rt.session.user_id, module: 'session', level: 'info', message: AUDIT_REFRESH_ROTATED });
      return { refreshToken: next, access, session: rt.session };
    },

    /** Ends the session a refresh token belongs to; returns it. */
    async end(refreshToken: string, opts: { kind: string; pairedAccess?: string | null }): Promise<SessionRow> {
      const rt = await live(refreshToken, opts.kind);
      checkPair(rt, opts.pairedAccess);
      await endFamily(rt.session_id);
      return rt.session;
    },

    /**
     * A further refresh token for the session `accessToken` was issued in, paired with that same
     * access token (Feathers answers a JWT re-authentication with the token it was sent and a
     * refresh token). Undefined when the token belongs to no live session.
     */
    async branch(accessToken: string, accessExpMs: number, refreshTtlSec: number): Promise<{ refreshToken: string; session: SessionRow } | undefined> {
      const now = Date.now();
      const accessSig = sha256(sigOf(accessToken));
      const session = await repo.sessionOfAccess(accessSig, now);
      // A personal access token has no refresh tokens: it lives as long as it was made to.
      if (!session || session.token_sig !== null || !(await mayHold(session.user_id))) return undefined;
      const refreshToken = randomHex(32);
      // No later than the session itself: re-authenticating never lengthens a session (rotation does, as ever).
      await repo.addRefresh(session.id, { hash: sha256(refreshToken), access_sig: accessSig, access_exp: accessExpMs, expires_at: Math.min(now + refreshTtlSec * 1000, session.expires_at) }, now);
      return { refreshToken, session };
    },

    /** The live stored session an access token was issued in, if any. */
    sessionOf: (accessToken: string) => repo.sessionOfAccess(sha256(sigOf(accessToken)), Date.now()),

    /** Ends the session an access token was issued in; false when it belongs to none (still live). */
    async endByAccess(accessToken: string): Promise<boolean> {
      const session = await repo.sessionOfAccess(sha256(sigOf(accessToken)), Date.now());
      if (!session) return false;
      await endFamily(session.id);
      await audit.record({ userId: session.user_id, module: 'session', level: 'info', message: 'Signed out' });
      return true;
    },

    /** The session of a refresh token without using it (ARC change-password inspects it). */
    async inspect(refreshToken: string, opts: { kind: string; pairedAccess?: string | null }): Promise<SessionRow> {
      const rt = await live(refreshToken, opts.kind);
      checkPair(rt, opts.pairedAccess);
      return rt.session;
    },
    endFamily,
    countLive: () => repo.countLive(Date.now()),
    sigOf,
  };
}
export type Sessions = ReturnType<typeof sessions>;
