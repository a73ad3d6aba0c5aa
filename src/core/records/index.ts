import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import type { RecordsRepo } from '../../store/records/index.js';
import type { SecretBox } from '../util/crypto.js';
import { roleRecords } from './roles.js';
import { groupRecords } from './groups.js';
import { providerRecords } from './providers.js';

export type * from './types.js';

export interface RecordsDeps {
  db: Kysely<Database>;
  repo: RecordsRepo;
  box: SecretBox;
}

/** CRUD over the RBAC and OAuth-provider records the Feathers services show (types.ts). */
export function records(d: RecordsDeps) {
  return { ...roleRecords(d.db, d.repo), ...groupRecords(d.db, d.repo), ...providerRecords(d.db, d.repo, d.box) };
}
export type CoreRecords = ReturnType<typeof records>;
