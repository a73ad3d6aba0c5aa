import type { ClientRow, ClientsRepo, ClientPatch } from '../store/clients.js';
import { uniqueField } from '../store/users.js';
import type { ColumnMap, Filter, Where } from '../store/filter.js';
import { safeEqual, type SecretBox } from './util/crypto.js';
import { fail } from './errors.js';
import type { LoginThrottle } from './throttle.js';

/** An auth client with its secrets readable (ARC's API returns them to admins). */
export interface Client {
  id: number;
  clientId: string;
  clientSecret: string;
  secret: string;
  redirectUrl: string | null;
  accessTokenExpiration: number;
  refreshTokenExpiration: number;
  authCodeExpiration: number;
  createdOn: number;
  modifiedOn: number;
}
export type ClientFields = Omit<Client, 'id' | 'createdOn' | 'modifiedOn'>;

/** API property → column, for filters. Secrets are encrypted at rest, so they cannot be filtered on. */
export const CLIENT_COLUMNS: ColumnMap = {
  id: { column: 'id', type: 'number' },
  clientId: { column: 'client_id', type: 'string' },
  redirectUrl: { column: 'redirect_url', type: 'string' },
  accessTokenExpiration: { column: 'access_token_expiration', type: 'number' },
  refreshTokenExpiration: { column: 'refresh_token_expiration', type: 'number' },
  authCodeExpiration: { column: 'auth_code_expiration', type: 'number' },
  createdOn: { column: 'created_at', type: 'date' },
  modifiedOn: { column: 'modified_at', type: 'date' },
};

export function clients(repo: ClientsRepo, box: SecretBox, throttle: Pick<LoginThrottle, 'client'>) {
  const open = (r: ClientRow): Client => ({
    id: r.id,
    clientId: r.client_id,
    clientSecret: box.open(r.client_secret_enc),
    secret: box.open(r.secret_enc),
    redirectUrl: r.redirect_url,
    accessTokenExpiration: r.access_token_expiration,
    refreshTokenExpiration: r.refresh_token_expiration,
    authCodeExpiration: r.auth_code_expiration,
    createdOn: r.created_at,
    modifiedOn: r.modified_at,
  });
  const patchOf = (f: Partial<ClientFields>, now: number): ClientPatch => {
    const p: ClientPatch = { modified_at: now };
    if (f.clientId !== undefined) p.client_id = f.clientId;
    if (f.clientSecret !== undefined) p.client_secret_enc = box.seal(f.clientSecret);
    if (f.secret !== undefined) p.secret_enc = box.seal(f.secret);
    if (f.redirectUrl !== undefined) p.redirect_url = f.redirectUrl;
    if (f.accessTokenExpiration !== undefined) p.access_token_expiration = f.accessTokenExpiration;
    if (f.refreshTokenExpiration !== undefined) p.refresh_token_expiration = f.refreshTokenExpiration;
    if (f.authCodeExpiration !== undefined) p.auth_code_expiration = f.authCodeExpiration;
    return p;
  };
  const taken = (e: unknown): never => {
    if (uniqueField(e)) fail('taken', `clientId already exists`, { field: 'clientId' });
    throw e;
  };
  return {
    async create(f: ClientFields): Promise<Client> {
      const now = Date.now();
      const row = await repo
        .insert({
          client_id: f.clientId,
          client_secret_enc: box.seal(f.clientSecret),
          secret_enc: box.seal(f.secret),
          redirect_url: f.redirectUrl,
          access_token_expiration: f.accessTokenExpiration,
          refresh_token_expiration: f.refreshTokenExpiration,
          auth_code_expiration: f.authCodeExpiration,
          created_at: now,
          modified_at: now,
        })
        .catch(taken);
      return open(row);
    },
    async byClientId(clientId: string): Promise<Client | undefined> {
      const r = await repo.byClientId(clientId);
      return r && open(r);
    },
    async byId(id: number): Promise<Client | undefined> {
      const r = await repo.byId(id);
      return r && open(r);
    },
    /**
     * Client credentials check; an unknown client and a wrong secret are indistinguishable. Wrong
     * ones count per (client, address): guessing is bounded and nobody locks the client out.
     */
    verify(clientId: string, clientSecret: string, ip: string | undefined): Promise<Client> {
      return throttle.client(`arc:${clientId}`, ip, async () => {
        const c = await this.byClientId(clientId);
        if (!c || !safeEqual(c.clientSecret, clientSecret)) fail('client_invalid', 'Client Invalid');
        return c as Client;
      });
    },
    update: async (id: number, f: Partial<ClientFields>) => repo.update(id, patchOf(f, Date.now())).catch(taken),
    updateWhere: async (where: Where | undefined, f: Partial<ClientFields>) => repo.updateWhere(where, patchOf(f, Date.now()), CLIENT_COLUMNS).catch(taken),
    find: async (filter: Filter) => (await repo.find(filter, CLIENT_COLUMNS)).map(open),
    count: (where: Where | undefined) => repo.count(where, CLIENT_COLUMNS),
    remove: (id: number, by: string | null) => repo.softDelete(id, Date.now(), by),
    list: async () => (await repo.list()).map(open),
  };
}
export type Clients = ReturnType<typeof clients>;
