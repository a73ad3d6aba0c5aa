import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { tableRepo, viewColumns, type Q } from './common.js';

const STAMPS = { created_at: 'date', updated_at: 'date' } as const;

/** The sealed secret is not in the view: no read of a provider record can carry it. */
export const OAUTH_PROVIDER_COLUMNS = viewColumns({ id: 'number', slug: 'string', name: 'string', key: 'string', scope: 'string', nonce: 'boolean', ...STAMPS });
/** A user's provider link is an identity: slug = identities.provider, sub = identities.subject. */
export const USER_OAUTH_PROVIDER_COLUMNS = viewColumns({ id: 'number', user_id: 'number', slug: 'string', sub: 'string', ...STAMPS });

const oauthProviderView = (q: Q) => q.selectFrom('oauth_providers').select(['id', 'slug', 'name', 'key', 'scope', 'nonce', 'created_at', 'updated_at']);
// Identities linked before 0005 have no updated_at: they were not changed since created.
const userOAuthProviderView = (q: Q) =>
  q
    .selectFrom('identities')
    .select((eb) => ['id', 'user_id', 'provider as slug', 'subject as sub', 'created_at', eb.fn.coalesce('updated_at', 'created_at').as('updated_at')]);

export type OAuthProviderView = Awaited<ReturnType<ReturnType<typeof oauthProviderView>['executeTakeFirstOrThrow']>>;
export type UserOAuthProviderView = Awaited<ReturnType<ReturnType<typeof userOAuthProviderView>['executeTakeFirstOrThrow']>>;

/** OAuth providers (their secrets sealed by core) and the accounts' links to them. */
export function providerRecordsRepo(db: Kysely<Database>) {
  return {
    oauthProviders: tableRepo(db, 'oauth_providers', oauthProviderView, OAUTH_PROVIDER_COLUMNS),
    userOAuthProviders: tableRepo(db, 'identities', userOAuthProviderView, USER_OAUTH_PROVIDER_COLUMNS),
    /** The sealed secret of a provider: undefined for an unknown provider, null when it has none. */
    async sealedSecret(slug: string): Promise<string | null | undefined> {
      return (await db.selectFrom('oauth_providers').select('secret_enc').where('slug', '=', slug).executeTakeFirst())?.secret_enc;
    },
  };
}
