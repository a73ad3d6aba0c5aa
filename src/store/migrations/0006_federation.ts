import type { Migration } from 'kysely';
import type { Db } from '../db.js';
import type { K } from './helpers.js';

/**
 * Federated sign-in: a session started through a provider keeps that provider's tokens, sealed
 * (ARC's externalAuthToken/externalRefreshToken), so `POST /keycloak/logout` can end the
 * upstream session too. Nullable: every other session has none.
 */
export function federation(_kind: Db['kind']): Migration {
  return {
    async up(db: K) {
      await db.schema.alterTable('sessions').addColumn('upstream_enc', 'text').execute();
    },
  };
}
