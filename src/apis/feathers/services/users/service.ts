import { Forbidden, MethodNotAllowed, NotAuthenticated, NotFound } from '@feathersjs/errors';
import type { Account } from '../../../../core/accounts/accounts.js';
import type { ProfileChange } from '../../../../core/accounts/profiles.js';
import type { CallParams, FeathersContext, Principal } from '../../context.js';
import { principalOf, requirePrincipal } from '../../hooks/authenticate.js';
import { holds, requireScope, scopesFor } from '../../hooks/authorize.js';
import { fieldsOf, parseQuery, project } from '../../query.js';
import { recordId, validator } from '../../validate.js';
import { UserCreate, UserPatch, UserRecord, UserUpdate } from './schema.js';
import { FIELD_SCOPES, userView, type UserView } from './view.js';

const SERVICE = 'users';
const checkCreate = validator(UserCreate);
const checkPatch = validator(UserPatch);
const checkUpdate = validator(UserUpdate);
/** What `$select` may name. */
const USER_FIELDS = Object.keys(UserRecord.properties);

const notFound = (id: unknown): never => {
  throw new NotFound(`No record found for id '${String(id)}'`);
};

/**
 * `users` (decision 15): anyone may sign up (unless FEATHERS_SIGNUP_ENABLED is off); a user reads
 * and patches their own record; everything else needs `admin` or the `users_*` scope. Another
 * account's names, picture, email and phone show only with the matching `users_read_*` scope.
 */
export class UsersService {
  constructor(private readonly ctx: FeathersContext) {}

  /** `show`: a read that only displays the record may come from the account cache. */
  private async account(id: unknown, show = false): Promise<Account> {
    const n = recordId(id);
    const user = n === undefined ? undefined : await (show ? this.ctx.core.profiles.show(n) : this.ctx.core.accounts.byId(n));
    return user ?? notFound(id);
  }

  /** The fields of other accounts `p` may not see: those of the `users_read_*` scopes it lacks; none for an administrator. */
  private async hiddenFields(p: Principal): Promise<(keyof UserView)[]> {
    if (await this.ctx.rbac.isAdmin(p.userId)) return [];
    const held = await this.ctx.rbac.scopesOf(p.userId);
    if (held.includes('full_access')) return [];
    return Object.entries(FIELD_SCOPES).flatMap(([scope, fields]) => (held.includes(scope) ? [] : fields));
  }

  /**
   * What `p` may see of `user`: all of its own record, or the fields not `hidden`. A sign-up
   * without a username takes its email as username: where the email is hidden, such a username is too.
   */
  private visible(p: Principal, user: Account, hidden: (keyof UserView)[]): Partial<UserView> {
    const out: Partial<UserView> = userView(user);
    if (user.id === p.userId) return out;
    for (const f of hidden) delete out[f];
    if (hidden.includes('email') && user.email_norm !== null && user.username_norm === user.email_norm) delete out.username;
    return out;
  }

  async find(params: CallParams) {
    const p = requirePrincipal(this.ctx, params);
    const { filter, select } = parseQuery(params.query, this.paginate(), USER_FIELDS);
    const hidden = await this.hiddenFields(p);
    if (!(await holds(this.ctx, p, scopesFor(SERVICE, 'read')))) {
      // Without the read scope a user finds their own record only.
      filter.where = filter.where ? { and: [filter.where, { id: p.userId }] } : { id: p.userId };
    } else {
      // A hidden field must not be probed either: `email[$like]=a%` or a sort by email would tell it letter by letter.
      // A username may be the email (see visible), so it goes with it.
      const probed = fieldsOf(filter).find((f) => (hidden as string[]).includes(f) || (f === 'username' && hidden.includes('email')));
      if (probed) throw new Forbidden(`You are not allowed to query users by ${probed}`);
    }
    const page = await this.ctx.core.profiles.page(filter);
    return { total: page.total, limit: filter.limit, skip: filter.skip, data: page.rows.map((u) => project(this.visible(p, u, hidden), select)) };
  }

  async get(id: unknown, params: CallParams) {
    const p = requirePrincipal(this.ctx, params);
    // The scope before the lookup: a refusal must not say whether another account exists.
    if (recordId(id) !== p.userId) await requireScope(this.ctx, p, SERVICE, 'read');
    const user = await this.account(id, true);
    // One's own record hides nothing: the two claims reads are skipped (the hot path of GET /users/:id).
    const hidden = user.id === p.userId ? [] : await this.hiddenFields(p);
    // Most gets carry no query: nothing to check or select.
    const select = params.query && Object.keys(params.query).length ? parseQuery(params.query, this.paginate(), USER_FIELDS).select : undefined;
    return project(this.visible(p, user, hidden), select);
  }

  async create(data: unknown, params: CallParams) {
    const p = this.callerOfSignUp(params);
    const privileged = p !== undefined && (await holds(this.ctx, p, scopesFor(SERVICE, 'create')));
    if (!privileged) {
      if (!this.ctx.core.config.feathersSignupEnabled) throw new Forbidden('Sign-up is disabled');
      // Every attempt counts, refused ones too: "already taken" answers enumerate accounts.
      await this.ctx.core.registration.admit(params.ip);
    }
    const d = checkCreate(data);
    let user = await this.ctx.core.accounts.create({
      username: d.username ?? d.email,
      email: d.email,
      password: d.password,
      phone: d.phone ?? null,
      firstName: d.first_name ?? null,
      middleName: d.middle_name ?? null,
      lastName: d.last_name ?? null,
      ip: params.ip ?? null,
    });
    if (d.picture || d.locale) user = await this.ctx.core.profiles.update(user, { picture: d.picture, locale: d.locale }, { userId: p?.userId ?? null, ip: params.ip });
    return userView(user);
  }

  /**
   * The caller of a create, if any. A stale token (a browser's storage keeps it; the official
   * client sends it on every call) must not stop a public sign-up: Feathers only parses the
   * header of an unauthenticated method. Where sign-up is closed, only a valid token gets in.
   */
  private callerOfSignUp(params: CallParams): Principal | undefined {
    try {
      return principalOf(this.ctx, params);
    } catch (e) {
      if (e instanceof NotAuthenticated && this.ctx.core.config.feathersSignupEnabled) return undefined;
      throw e;
    }
  }

  async update(id: unknown, data: unknown, params: CallParams) {
    // Who asks comes before what is asked: an anonymous call is 401 whatever its id or body.
    requirePrincipal(this.ctx, params);
    if (id === null || id === undefined) throw new MethodNotAllowed('Can not update multiple entries');
    return this.change(id, checkUpdate(data), params, true);
  }

  async patch(id: unknown, data: unknown, params: CallParams) {
    // Who asks comes before what is asked: an anonymous call is 401 whatever its id or body.
    requirePrincipal(this.ctx, params);
    if (id === null || id === undefined) throw new MethodNotAllowed('Can not patch multiple entries');
    return this.change(id, checkPatch(data), params, false);
  }

  private async change(id: unknown, d: ProfileChange & { password?: string }, params: CallParams, replace: boolean) {
    const p = requirePrincipal(this.ctx, params);
    const own = recordId(id) === p.userId;
    if (!own) await requireScope(this.ctx, p, SERVICE, 'write');
    let user = await this.account(id);
    const { password, ...profile } = d;
    const change: ProfileChange = replace
      ? { first_name: null, middle_name: null, last_name: null, picture: null, locale: null, phone: null, ...profile }
      : profile;
    user = await this.ctx.core.profiles.update(user, change, { userId: p.userId, ip: params.ip });
    if (password !== undefined) {
      // Every session of the account ends; the caller's own goes on when it changed its own password.
      const keep = own ? await this.ctx.core.sessions.sessionOf(p.accessToken) : undefined;
      await this.ctx.core.accounts.setPassword(user, password, { via: 'feathers', ip: params.ip, allowSame: true, keepSessionId: keep?.id });
    }
    return this.visible(p, user, own ? [] : await this.hiddenFields(p));
  }

  async remove(id: unknown, params: CallParams) {
    const p = requirePrincipal(this.ctx, params);
    if (id === null || id === undefined) throw new MethodNotAllowed('Can not remove multiple entries');
    await requireScope(this.ctx, p, SERVICE, 'remove');
    const user = await this.account(id);
    await this.ctx.core.accounts.remove(user);
    return userView(user);
  }

  /** `users.count`: open to anyone (the public client calls it signed out), so it counts all and filters nothing. */
  async count(_data: unknown, _params: CallParams) {
    return { count: await this.ctx.core.profiles.count() };
  }

  private paginate() {
    return { default: this.ctx.core.config.feathersPaginateDefault, max: this.ctx.core.config.feathersPaginateMax };
  }
}
