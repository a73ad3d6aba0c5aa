import type { Kysely, Selectable } from 'kysely';
import type { ClientsTable, Database } from './schema.js';
import type { Generation } from './generation.js';

export type OauthClientRow = Selectable<ClientsTable>;

/** OAuth2 (simple dialect) client columns of `clients`; a non-null `scopes` marks an OAuth2 client. */
export interface OauthClientFields {
  client_id: string;
  client_secret_enc: string;
  secret_enc: string;
  name: string;
  author: string;
  author_url: string;
  redirect_uris: string;
  scopes: string;
  oauth_settings: string;
  oidc_alg: string | null;
  oidc_key_enc: string | null;
  source: string | null;
  public_client: number;
  access_token_expiration: number;
  refresh_token_expiration: number;
  auth_code_expiration: number;
}

export function oauthClientsRepo(db: Kysely<Database>, gen: Generation) {
  const live = () => db.selectFrom('clients').selectAll().where('deleted_at', 'is', null);
  return {
    /** A live OAuth2 client by its public client_id. */
    byClientId: (clientId: string) => live().where('client_id', '=', clientId).where('scopes', 'is not', null).executeTakeFirst(),
    /** Any live client row by client_id (ARC or OAuth2), to detect clashes. */
    anyByClientId: (clientId: string) => live().where('client_id', '=', clientId).executeTakeFirst(),
    /** A live client row by its row id. */
    byId: (id: number) => live().where('id', '=', id).executeTakeFirst(),
    list: () => live().where('scopes', 'is not', null).orderBy('id').execute(),
    listFromConfig: () => live().where('source', '=', 'config').execute(),
    async insert(f: OauthClientFields, now: number): Promise<OauthClientRow> {
      return db
        .insertInto('clients')
        .values({ ...f, redirect_url: null, created_at: now, modified_at: now, deleted_at: null, deleted_by: null })
        .returningAll()
        .executeTakeFirstOrThrow();
    },
    /** Writes the given columns (all of them for a configured client's sync); tokens' caches see it at once. */
    async update(id: number, f: Partial<OauthClientFields>, now: number): Promise<void> {
      await db.updateTable('clients').set({ ...f, modified_at: now }).where('id', '=', id).execute();
      gen.bump();
    },
    async softDelete(id: number, now: number, by: string): Promise<boolean> {
      const r = await db.updateTable('clients').set({ deleted_at: now, deleted_by: by }).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
      gen.bump();
      return Number(r.numUpdatedRows) > 0;
    },
  };
}
export type OauthClientsRepo = ReturnType<typeof oauthClientsRepo>;
