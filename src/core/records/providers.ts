import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import type { OAuthProviderView, Q, RecordsRepo } from '../../store/records/index.js';
import { identitiesRepo } from '../../store/identities.js';
import { fail } from '../errors.js';
import type { SecretBox } from '../util/crypto.js';
import { crud } from './crud.js';
import { mustExist } from './roles.js';
import type { OAuthProvider, OAuthProviderInput, UserOAuthProvider, UserOAuthProviderInput } from './types.js';

const out = (r: OAuthProviderView): OAuthProvider => ({ ...r, nonce: r.nonce === null ? null : r.nonce !== 0 });

/** External OAuth providers (secrets sealed at rest, never read back through a record) and accounts' links to them. */
export function providerRecords(db: Kysely<Database>, repo: RecordsRepo, box: SecretBox) {
  const identities = identitiesRepo(db);
  /**
   * The federation engine's unlink rule (core/federation/identities.ts) for writes through the
   * records: an account without a password keeps at least one identity. The account's row lock
   * is taken before the identity is touched, as unlink takes it, so concurrent removals and
   * moves of its last two identities are serialized (and cannot deadlock with an unlink).
   */
  const keepsAWayIn = async (trx: Q, userId: number, leaving: 0 | 1): Promise<void> => {
    if ((await identities.count(userId, trx)) - leaving <= 0 && !(await identities.hasPassword(userId, trx))) {
      fail('last_login_method', 'the account has no password and no other provider');
    }
  };
  return {
    oauthProviders: {
      ...crud<OAuthProvider, OAuthProviderInput, OAuthProviderView, 'oauth_providers'>(db, {
        repo: repo.oauthProviders,
        rules: {
          slug: { type: 'text', required: true, max: 255 },
          name: { type: 'text', max: 255 },
          key: { type: 'text', max: 2048 },
          // Write-only: a client that reads a provider and writes it back (update) sends none, which must not erase it.
          secret: { type: 'text', max: 4096, keep: true },
          scope: { type: 'text', max: 2048 },
          nonce: { type: 'bool' },
        },
        unique: 'slug',
        out,
        async row(_trx, v) {
          return {
            ...(v.slug !== undefined && { slug: v.slug }),
            ...(v.name !== undefined && { name: v.name }),
            ...(v.key !== undefined && { key: v.key }),
            ...(v.secret !== undefined && { secret_enc: v.secret === null ? null : box.seal(v.secret) }),
            ...(v.scope !== undefined && { scope: v.scope }),
            ...(v.nonce !== undefined && { nonce: v.nonce === null ? null : v.nonce ? 1 : 0 }),
          };
        },
      }),
      /** The provider's secret, for the federation engine: undefined for an unknown provider or one without a secret. */
      async secretOf(slug: string): Promise<string | undefined> {
        if (typeof slug !== 'string') return undefined;
        const sealed = await repo.sealedSecret(slug);
        return sealed ? box.open(sealed) : undefined;
      },
    },

    /** An identity: (provider, subject) → account. The provider need not be an oauth_providers row (simple-auth's OIDC providers are configured). */
    userOAuthProviders: crud<UserOAuthProvider, UserOAuthProviderInput, UserOAuthProvider, 'identities'>(db, {
      repo: repo.userOAuthProviders,
      rules: {
        user_id: { type: 'id', required: true },
        slug: { type: 'text', required: true, max: 255 },
        sub: { type: 'text', required: true, max: 255 },
      },
      unique: 'sub',
      out: (r) => r,
      async row(trx, v, _mode, current) {
        // Moving a link to another account takes it from this one: lock it first (see keepsAWayIn).
        if (current && v.user_id !== undefined && v.user_id !== current.user_id) await identities.lockAccount(current.user_id, trx);
        if (v.user_id !== undefined) await mustExist(trx, 'users', v.user_id, 'user_id');
        return {
          ...(v.user_id !== undefined && { user_id: v.user_id }),
          ...(v.slug !== undefined && { provider: v.slug }),
          ...(v.sub !== undefined && { subject: v.sub }),
        };
      },
      async afterWrite(trx, before, after) {
        if (before.user_id !== after.user_id) await keepsAWayIn(trx, before.user_id, 0);
      },
      async beforeRemove(trx, current) {
        await identities.lockAccount(current.user_id, trx);
        await keepsAWayIn(trx, current.user_id, 1);
      },
    }),
  };
}
