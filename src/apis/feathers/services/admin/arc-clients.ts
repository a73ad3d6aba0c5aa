import { randomBytes } from 'node:crypto';
import { NotFound } from '@feathersjs/errors';
import type { Client } from '../../../../core/clients.js';
import type { CallParams, FeathersContext } from '../../context.js';
import { recordId, validator } from '../../validate.js';
import { requireAdmin } from './guard.js';
import { ArcClientCreate, ArcClientPatch } from './schemas.js';

const checkCreate = validator(ArcClientCreate);
const checkPatch = validator(ArcClientPatch);

/** A client without its secrets: they are shown once, when made. */
const view = (c: Client) => ({
  id: c.id,
  clientId: c.clientId,
  redirectUrl: c.redirectUrl,
  accessTokenExpiration: c.accessTokenExpiration,
  refreshTokenExpiration: c.refreshTokenExpiration,
  authCodeExpiration: c.authCodeExpiration,
  created_at: new Date(c.createdOn).toISOString(),
  updated_at: new Date(c.modifiedOn).toISOString(),
});

/**
 * `admin_arc_clients`: ARC auth clients for the admin console, which signs in with a Feathers
 * token (ARC's `/auth-clients` takes ARC tokens). Listings never carry a secret; create (and
 * patch with `rotateSecret`) answers the new `clientSecret` once. Administrators only.
 */
export class AdminArcClientsService {
  constructor(private readonly ctx: FeathersContext) {}

  private async client(id: unknown): Promise<Client> {
    const n = recordId(id);
    const c = n === undefined ? undefined : await this.ctx.core.clients.byId(n);
    if (!c) throw new NotFound(`No record found for id '${String(id)}'`);
    return c;
  }

  async find(params: CallParams) {
    await requireAdmin(this.ctx, params);
    const list = await this.ctx.core.clients.list();
    return { total: list.length, limit: list.length, skip: 0, data: list.map(view) };
  }

  async get(id: unknown, params: CallParams) {
    await requireAdmin(this.ctx, params);
    return view(await this.client(id));
  }

  async create(data: unknown, params: CallParams) {
    await requireAdmin(this.ctx, params);
    const d = checkCreate(data);
    const clientSecret = d.clientSecret ?? randomBytes(24).toString('base64url');
    const c = await this.ctx.core.clients.create({
      clientId: d.clientId,
      clientSecret,
      secret: randomBytes(32).toString('base64url'),
      redirectUrl: d.redirectUrl ?? null,
      accessTokenExpiration: d.accessTokenExpiration ?? 900,
      refreshTokenExpiration: d.refreshTokenExpiration ?? 86_400,
      authCodeExpiration: d.authCodeExpiration ?? 180,
    });
    return { ...view(c), clientSecret };
  }

  async patch(id: unknown, data: unknown, params: CallParams) {
    await requireAdmin(this.ctx, params);
    const { rotateSecret, ...d } = checkPatch(data);
    const c = await this.client(id);
    const clientSecret = rotateSecret ? randomBytes(24).toString('base64url') : undefined;
    await this.ctx.core.clients.update(c.id, { ...d, ...(clientSecret && { clientSecret }) });
    return { ...view(await this.client(c.id)), ...(clientSecret && { clientSecret }) };
  }

  async remove(id: unknown, params: CallParams) {
    const p = await requireAdmin(this.ctx, params);
    const c = await this.client(id);
    await this.ctx.core.clients.remove(c.id, String(p.userId));
    return view(c);
  }
}
