import { randomUUID } from 'node:crypto';
import type { AuthSessionRow, AuthSessionsRepo } from '../../store/auth-sessions.js';
import type { Filter } from '../filter.js';
import type { Page } from '../records/types.js';
import { validId } from '../records/input.js';
import { fail } from '../errors.js';
import { isBlocked } from '../rbac/permissions.js';
import { sha256 } from '../util/crypto.js';
import { clientInfo, type ClientInfo } from './client-info.js';
import type { Minted } from './sessions.js';

/** The `kind` and `source` of a personal access token's session row. */
export const PAT_KIND = 'pat';
/** The `kind` of a web session's row (a signed session cookie; its `source` says how it began). */
export const WEB_KIND = 'web';
/** Most sessions an account's own listing shows (newest first). */
const OWN_MAX = 200;
/** Rows ended per read by "end every other session" (the store's own page bound). */
const OWN_PAGE = 1000;

/** A stored session of any dialect, as Feathers `auth_sessions` shows it (epoch milliseconds). */
export interface AuthSession extends ClientInfo {
  id: number;
  title: string | null;
  user_id: number;
  /** How it was started: a sign-in strategy (`local`, `password`, `otp`, …) or `pat`. */
  auth_provider: string;
  ip: string | null;
  useragent: string | null;
  revoked: boolean;
  expires_at: number;
  created_at: number;
  updated_at: number;
}

const NO_CLIENT: ClientInfo = {
  browser_name: null,
  browser_version: null,
  engine_name: null,
  engine_version: null,
  device_vendor: null,
  device_model: null,
  device_type: null,
  os_name: null,
  os_version: null,
  cpu_arch: null,
};

/** The stored parse of the user agent; rows from before it was stored (0005) are parsed here. */
function clientOf(row: AuthSessionRow): ClientInfo {
  if (row.client_info) {
    try {
      const parsed = JSON.parse(row.client_info) as Partial<ClientInfo>;
      const out = { ...NO_CLIENT };
      for (const k of Object.keys(NO_CLIENT) as (keyof ClientInfo)[]) if (typeof parsed[k] === 'string') out[k] = parsed[k];
      return out;
    } catch {
      return NO_CLIENT;
    }
  }
  return row.useragent ? clientInfo(row.useragent) : NO_CLIENT;
}

function out(row: AuthSessionRow): AuthSession {
  return {
    id: row.id,
    title: row.title,
    user_id: row.user_id,
    auth_provider: row.auth_provider,
    ip: row.ip,
    useragent: row.useragent,
    ...clientOf(row),
    revoked: Number(row.revoked) === 1,
    expires_at: Number(row.expires_at),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

/** A web session (a signed cookie that is not stored itself) to record, so its owner can list and end it. */
export interface WebStart {
  userId: number;
  /** How it began (`login`, `oidc`, `onetime`). */
  source: string;
  /** sha256 of the cookie's signature: the key the revocation list ends it by. */
  sigHash: string;
  expiresAt: number;
  ip?: string | null;
  userAgent?: string | null;
}

export interface PatStart {
  userId: number;
  title: string | null;
  /** When the token stops working (epoch ms); it must be in the future. */
  expiresAt: number;
  ip?: string | null;
  userAgent?: string | null;
}

type AccountOf = (userId: number) => Promise<{ status: number; sessions_not_before: number | null } | undefined>;

export interface AuthSessionsDeps {
  repo: AuthSessionsRepo;
  accountOf: AccountOf;
  /** Ends a session and revokes its access tokens, a personal access token's included (sessions.endFamily). */
  endFamily: (sessionId: number) => Promise<void>;
}

/**
 * Sessions of every dialect as records (Feathers `auth_sessions`), and personal access tokens:
 * an access token minted for a chosen lifetime, stored as a session row of kind `pat` with the
 * hash of its signature and no refresh token. Ending such a session puts that hash on the
 * revocation list (store `revoke` returns it), so the token stops on every node at once.
 */
export function authSessions(d: AuthSessionsDeps) {
  const { repo } = d;
  const get = async (id: number): Promise<AuthSession | undefined> => {
    if (!validId(id)) return undefined;
    const row = await repo.get(id);
    return row && out(row);
  };
  // Sessions and tokens are read apart, live ones only: personal access tokens (or expired rows)
  // in number must not push the account's sign-in sessions out of its listing.
  const liveWhere = (userId: number, kind: 'sessions' | 'tokens') => ({ user_id: userId, revoked: false, expires_at: { gt: Date.now() }, auth_provider: kind === 'tokens' ? PAT_KIND : { neq: PAT_KIND } });
  /**
   * An account's own live sessions of every dialect (newest first), split into sign-in
   * sessions and personal access tokens.
   */
  const liveOf = async (userId: number): Promise<{ sessions: AuthSession[]; tokens: AuthSession[] }> => {
    const order = ['created_at DESC', 'id DESC'];
    const [sessions, tokens] = await Promise.all([
      repo.find({ where: liveWhere(userId, 'sessions'), order, limit: OWN_MAX }),
      repo.find({ where: liveWhere(userId, 'tokens'), order, limit: OWN_MAX }),
    ]);
    return { sessions: sessions.data.map(out), tokens: tokens.data.map(out) };
  };

  return {
    /** A page of sessions; a bad filter throws FilterError. */
    async find(filter: Filter): Promise<Page<AuthSession>> {
      const page = await repo.find(filter);
      return { total: page.total, data: page.data.map(out) };
    },
    get,

    /**
     * A personal access token for `s.userId`. `mint` signs the token for `ttlSec` seconds. As a
     * sign-in does, the account's cut-off is read before and checked again once the row is stored:
     * a password change or a block in between ends the token at once and the call fails.
     */
    async createPat(s: PatStart, mint: (ttlSec: number) => Minted): Promise<{ session: AuthSession; token: string }> {
      const now = Date.now();
      const ttlSec = Math.floor(s.expiresAt / 1000) - Math.floor(now / 1000);
      if (!Number.isFinite(s.expiresAt) || s.expiresAt <= now || ttlSec < 1) fail('invalid_input', 'expires_at must be in the future', { field: 'expires_at' });
      const before = await d.accountOf(s.userId);
      if (!before || isBlocked(before)) fail('invalid_input', 'user_id names no active account', { field: 'user_id' });
      const access = mint(ttlSec);
      const id = await repo.insert({
        uuid: randomUUID(),
        user_id: s.userId,
        client_id: null,
        kind: PAT_KIND,
        source: PAT_KIND,
        device_id: null,
        user_agent: s.userAgent ?? null,
        client_info: s.userAgent ? JSON.stringify(clientInfo(s.userAgent)) : null,
        title: s.title,
        token_sig: sha256(access.sig),
        ip: s.ip ?? null,
        created_at: now,
        last_used_at: now,
        // The token's own exp (whole seconds), which is what the revocation list must outlive.
        expires_at: access.expMs,
        updated_at: now,
      });
      const after = await d.accountOf(s.userId);
      if (!after || isBlocked(after) || Number(after.sessions_not_before ?? 0) !== Number(before?.sessions_not_before ?? 0)) {
        await d.endFamily(id);
        fail('invalid_credentials', 'the account changed while the token was made');
      }
      return { session: (await get(id)) as AuthSession, token: access.token };
    },

    /**
     * Records a web session as a row of its own (kind `web`, the hash of its signature as a
     * personal access token's): ending the row puts that hash on the revocation list, so the
     * cookie is refused at once on every node.
     */
    async recordWeb(s: WebStart): Promise<number> {
      const now = Date.now();
      return repo.insert({
        uuid: randomUUID(),
        user_id: s.userId,
        client_id: null,
        kind: WEB_KIND,
        source: s.source,
        device_id: null,
        user_agent: s.userAgent ?? null,
        client_info: s.userAgent ? JSON.stringify(clientInfo(s.userAgent)) : null,
        title: null,
        token_sig: s.sigHash,
        ip: s.ip ?? null,
        created_at: now,
        last_used_at: now,
        expires_at: s.expiresAt,
        updated_at: now,
      });
    },

    liveOf,

    /**
     * Ends one of the account's own sessions or tokens. Undefined when `id` is not one of them
     * (another account's id reads as unknown, so ids cannot be probed).
     */
    async revokeOwn(userId: number, id: number): Promise<AuthSession | undefined> {
      const current = await get(id);
      if (!current || current.user_id !== userId) return undefined;
      if (!current.revoked) await d.endFamily(id);
      return get(id);
    },

    /** Ends every live sign-in session of the account but `keep` (personal access tokens stay); how many ended. */
    async revokeOthers(userId: number, keep: number | undefined): Promise<number> {
      // Every one of them, not the listing's first page: a page at a time until none is left.
      const ended = new Set<number>();
      for (;;) {
        const page = await repo.find({ where: { ...liveWhere(userId, 'sessions'), ...(keep === undefined ? {} : { id: { neq: keep } }) }, order: ['id ASC'], limit: OWN_PAGE });
        const ending = page.data.filter((x) => x.id !== keep && !ended.has(x.id));
        if (!ending.length) return ended.size;
        for (const x of ending) {
          await d.endFamily(x.id);
          ended.add(x.id);
        }
      }
    },

    /** Renames a session; undefined for an unknown id. */
    async rename(id: number, title: string | null): Promise<AuthSession | undefined> {
      if (!validId(id)) return undefined;
      if (!(await repo.rename(id, title, Date.now()))) return undefined;
      return get(id);
    },

    /** Ends a session (idempotent): its refresh tokens and access tokens, or its personal access token. */
    async revoke(id: number): Promise<AuthSession | undefined> {
      const current = await get(id);
      if (!current) return undefined;
      if (!current.revoked) await d.endFamily(id);
      return get(id);
    },
  };
}
export type AuthSessions = ReturnType<typeof authSessions>;
