import { BadRequest, MethodNotAllowed } from '@feathersjs/errors';
import type { AuthSession } from '../../../../core/sessions/auth-sessions.js';
import type { CallParams, FeathersContext, Principal } from '../../context.js';
import { requirePrincipal } from '../../hooks/authenticate.js';
import { holds, requireScope, scopesFor, type Operation } from '../../hooks/authorize.js';
import { parseQuery, project } from '../../query.js';
import { claimsFor } from '../../../shared/feathers-tokens.js';
import { recordId, validator } from '../../validate.js';
import { notFound } from '../record-service.js';
import { AuthSessionCreate, AuthSessionPatch, expiryOf } from './schema.js';
import { authSessionView } from './view.js';

const SERVICE = 'auth_sessions';
const checkCreate = validator(AuthSessionCreate);
const checkPatch = validator(AuthSessionPatch);

/**
 * `auth_sessions`: the sessions of every dialect (one row per sign-in), and personal access
 * tokens. A user reads, renames and revokes their own; anyone else's needs `admin` or the scope
 * (`auth_sessions_read` to read, `auth_sessions_write` to create for another account, rename or
 * revoke). Revoking is for good, and `remove` revokes too: the row stays as the record of a
 * session that was (until it is purged with the expired ones), and the events trail that names
 * its id keeps pointing at something.
 */
export class AuthSessionsService {
  constructor(private readonly ctx: FeathersContext) {}

  private paginate() {
    return { default: this.ctx.core.config.feathersPaginateDefault, max: this.ctx.core.config.feathersPaginateMax };
  }

  private async session(id: unknown): Promise<AuthSession> {
    const n = recordId(id);
    const s = n === undefined ? undefined : await this.ctx.core.authSessions.get(n);
    return s ?? notFound(id);
  }

  /** The session `id`, if `p` may do `op` on it: its own always, anyone's with the scope. */
  private async guarded(id: unknown, p: Principal, op: Operation): Promise<AuthSession> {
    const s = await this.session(id);
    if (s.user_id !== p.userId) await requireScope(this.ctx, p, SERVICE, op);
    return s;
  }

  async find(params: CallParams) {
    const p = requirePrincipal(this.ctx, params);
    const { filter, select } = parseQuery(params.query, this.paginate());
    // Without the read scope a user finds their own sessions only.
    if (!(await holds(this.ctx, p, scopesFor(SERVICE, 'read')))) filter.where = filter.where ? { and: [filter.where, { user_id: p.userId }] } : { user_id: p.userId };
    const page = await this.ctx.core.authSessions.find(filter);
    return { total: page.total, limit: filter.limit, skip: filter.skip, data: page.data.map((s) => project(authSessionView(s), select)) };
  }

  async get(id: unknown, params: CallParams) {
    const p = requirePrincipal(this.ctx, params);
    const s = await this.guarded(id, p, 'read');
    return project(authSessionView(s), parseQuery(params.query, this.paginate()).select);
  }

  /**
   * A personal access token: a Feathers access token with the claims of a sign-in, living until
   * `expires_at`, answered once as `accessToken` (only a hash of its signature is stored).
   */
  async create(data: unknown, params: CallParams) {
    const p = requirePrincipal(this.ctx, params);
    const d = checkCreate(data ?? {});
    const userId = d.user_id ?? p.userId;
    if (userId !== p.userId) await requireScope(this.ctx, p, SERVICE, 'create');
    const expiresAt = expiryOf(d.expires_at);
    if (expiresAt === undefined) {
      throw new BadRequest('validation failed', [{ instancePath: '/expires_at', keyword: 'format', message: "must be an ISO 8601 date-time or 'YYYY-MM-DD HH:mm:ss' (UTC)", params: {} }]);
    }
    const claims = await claimsFor(this.ctx.rbac, { id: userId });
    const { session, token } = await this.ctx.core.authSessions.createPat(
      { userId, title: d.title ?? null, expiresAt, ip: params.ip, userAgent: params.userAgent },
      (ttlSec) => this.ctx.access.mint(claims, ttlSec),
    );
    return { ...authSessionView(session), accessToken: token };
  }

  /** `{title}` renames; `{revoked: true}` ends the session (its tokens stop on every node at once). */
  async patch(id: unknown, data: unknown, params: CallParams) {
    if (id === null || id === undefined) throw new MethodNotAllowed('Can not patch multiple entries');
    const p = requirePrincipal(this.ctx, params);
    const d = checkPatch(data ?? {});
    let s = await this.guarded(id, p, 'write');
    if (d.revoked === false && s.revoked) throw new BadRequest('A revoked session cannot be restored', { field: 'revoked' });
    if (d.title !== undefined) s = (await this.ctx.core.authSessions.rename(s.id, d.title)) ?? notFound(id);
    if (d.revoked === true) s = (await this.ctx.core.authSessions.revoke(s.id)) ?? notFound(id);
    return authSessionView(s);
  }

  /** Revokes (see the class comment) and answers the revoked session. */
  async remove(id: unknown, params: CallParams) {
    if (id === null || id === undefined) throw new MethodNotAllowed('Can not remove multiple entries');
    const p = requirePrincipal(this.ctx, params);
    const s = await this.guarded(id, p, 'remove');
    return authSessionView((await this.ctx.core.authSessions.revoke(s.id)) ?? notFound(id));
  }
}
