import { BadRequest, NotFound } from '@feathersjs/errors';
import type { CallParams, FeathersContext } from '../../context.js';
import { recordId, validator } from '../../validate.js';
import { adminUser, allowClient, disallowClient, forceSignOut, searchUsers, setDisabled } from '../../../../core/admin/users.js';
import { requireAdmin, pageOf } from './guard.js';
import { AdminUserAction, AdminUserCreate, AdminUserPatch } from './schemas.js';

const checkCreate = validator(AdminUserCreate);
const checkPatch = validator(AdminUserPatch);
const checkAction = validator(AdminUserAction);

/**
 * `admin_users`: the admin console's accounts. find (`q` searches username, email and phone),
 * get, create, patch (`disabled`, `roles`, `password`, username/email/phone), and the custom
 * methods `signOut` (`{id}`: ends every session and token of the account), `allowClient`
 * (`{id, clientId}`: an ARC client it may sign in through) and `disallowClient` (`{id,
 * clientId}`: it may no longer). Administrators only (guard.ts).
 */
export class AdminUsersService {
  constructor(private readonly ctx: FeathersContext) {}

  private async account(id: unknown) {
    const n = recordId(id);
    const u = n === undefined ? undefined : await this.ctx.core.accounts.byId(n);
    if (!u) throw new NotFound(`No record found for id '${String(id)}'`);
    return u;
  }

  async find(params: CallParams) {
    await requireAdmin(this.ctx, params);
    const { skip, limit } = pageOf(this.ctx, params.query);
    const q = typeof params.query?.q === 'string' ? params.query.q : '';
    const page = await searchUsers(this.ctx.core, q, skip, limit);
    return { total: page.total, limit, skip, data: page.data };
  }

  async get(id: unknown, params: CallParams) {
    await requireAdmin(this.ctx, params);
    return adminUser(this.ctx.core, await this.account(id));
  }

  async create(data: unknown, params: CallParams) {
    await requireAdmin(this.ctx, params);
    const d = checkCreate(data);
    const u = await this.ctx.core.accounts.create({ username: d.username, email: d.email ?? null, password: d.password, roles: d.roles?.length ? d.roles : undefined, clientIds: d.clientIds, ip: params.ip ?? null });
    return adminUser(this.ctx.core, u);
  }

  async patch(id: unknown, data: unknown, params: CallParams) {
    await requireAdmin(this.ctx, params);
    const d = checkPatch(data);
    let u = await this.account(id);
    const { disabled, ...change } = d;
    if (Object.keys(change).length) u = await this.ctx.core.userAdmin.update(u, change, { via: 'admin-console' });
    if (disabled !== undefined) u = await setDisabled(this.ctx.core, u, disabled);
    return adminUser(this.ctx.core, u);
  }

  async signOut(data: unknown, params: CallParams) {
    await requireAdmin(this.ctx, params);
    const u = await this.account(checkAction(data).id);
    await forceSignOut(this.ctx.core, u);
    return adminUser(this.ctx.core, u);
  }

  async allowClient(data: unknown, params: CallParams) {
    await requireAdmin(this.ctx, params);
    const d = checkAction(data);
    const u = await this.account(d.id);
    if (d.clientId === undefined) throw new NotFound('clientId is required');
    await allowClient(this.ctx.core, u, d.clientId);
    return adminUser(this.ctx.core, u);
  }

  async disallowClient(data: unknown, params: CallParams) {
    await requireAdmin(this.ctx, params);
    const d = checkAction(data);
    const u = await this.account(d.id);
    if (d.clientId === undefined) throw new BadRequest('validation failed', [{ instancePath: '', message: "must have required property 'clientId'" }]);
    await disallowClient(this.ctx.core, u, d.clientId);
    return adminUser(this.ctx.core, u);
  }
}
