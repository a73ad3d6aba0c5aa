import { randomBytes } from 'node:crypto';
import { NotFound } from '@feathersjs/errors';
import type { OAuth2Client } from '../../../../core/oauth2/index.js';
import type { CallParams, FeathersContext } from '../../context.js';
import { validator } from '../../validate.js';
import { requireAdmin } from './guard.js';
import { OAuth2ClientCreate, OAuth2ClientPatch } from './schemas.js';

const checkCreate = validator(OAuth2ClientCreate);
const checkPatch = validator(OAuth2ClientPatch);

const view = (c: OAuth2Client) => ({
  id: c.id,
  clientId: c.clientId,
  name: c.name,
  author: c.author,
  authorUrl: c.authorUrl,
  redirectUris: c.redirectUris,
  scopes: c.scopes,
  publicClient: c.publicClient,
  source: c.source,
});

/**
 * `admin_oauth2_clients`: simple-auth's OAuth2 clients (those of the config file, `source` set,
 * and those made here or by the CLI). find, get, patch and remove by `clientId`; create (and
 * patch with `rotateSecret`) answers the generated secret once. Clients of the config file cannot
 * be changed or removed here (403: core refuses, they live in the configuration). Administrators
 * only.
 */
export class AdminOAuth2ClientsService {
  constructor(private readonly ctx: FeathersContext) {}

  async find(params: CallParams) {
    await requireAdmin(this.ctx, params);
    const list = await this.ctx.core.oauth2.listClients();
    return { total: list.length, limit: list.length, skip: 0, data: list.map(view) };
  }

  async get(id: unknown, params: CallParams) {
    await requireAdmin(this.ctx, params);
    const c = await this.ctx.core.oauth2.clientInfo(String(id));
    if (!c) throw new NotFound(`No record found for id '${String(id)}'`);
    return view(c);
  }

  async create(data: unknown, params: CallParams) {
    await requireAdmin(this.ctx, params);
    const d = checkCreate(data);
    const secret = randomBytes(24).toString('base64url');
    const c = await this.ctx.core.oauth2.createClient({ clientId: d.clientId, secret, name: d.name, author: d.author, authorUrl: d.authorUrl, redirectUris: d.redirectUris, scopes: d.scopes ?? [], publicClient: d.publicClient });
    return { ...view(c), clientSecret: secret };
  }

  async patch(id: unknown, data: unknown, params: CallParams) {
    await requireAdmin(this.ctx, params);
    const { rotateSecret, ...d } = checkPatch(data);
    const secret = rotateSecret ? randomBytes(24).toString('base64url') : undefined;
    const c = await this.ctx.core.oauth2.updateClient(String(id), { ...d, ...(secret && { secret }) });
    if (!c) throw new NotFound(`No record found for id '${String(id)}'`);
    return { ...view(c), ...(secret && { clientSecret: secret }) };
  }

  async remove(id: unknown, params: CallParams) {
    const p = await requireAdmin(this.ctx, params);
    const c = await this.ctx.core.oauth2.clientInfo(String(id));
    if (!c || !(await this.ctx.core.oauth2.deleteClient(c.clientId, `admin:${p.userId}`))) throw new NotFound(`No record found for id '${String(id)}'`);
    return view(c);
  }
}
