import { SERVICE_SCOPES } from './rbac/service-scopes.js';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Config } from '../config/index.js';
import type { Store } from '../store/index.js';
import type { Accounts } from './accounts/accounts.js';
import type { Clients } from './clients.js';
import { BUILTIN_PERMISSIONS } from './rbac/permissions.js';
import { CoreError } from './errors.js';

export const DEFAULT_GROUP_KEY = 'default';

export interface BootstrapDeps {
  db: Store['db'];
  rbac: Pick<Store['rbac'], 'ensureGroup' | 'ensureRole' | 'ensureScope'>;
  users: Pick<Store['users'], 'any'>;
  clients: Pick<Clients, 'list' | 'create'>;
  accounts: Pick<Accounts, 'create'>;
  /** GATEHOUSE_ADMIN_USERNAME and _PASSWORD, read when first start runs. */
  config: Pick<Config, 'adminUsername' | 'adminPassword'>;
}

/** What first start created, returned so that the caller can show the credentials once. */
export interface BootstrapResult {
  admin?: { username: string; password: string; generated: boolean };
  client?: { clientId: string; clientSecret: string };
}

/** Seeding and first start; the composition root keeps the default group id `seed` returns. */
export function bootstrap(d: BootstrapDeps) {
  return {
    /** Creates the default tenant and the built-in roles; idempotent. Returns the tenant's id. */
    async seed(): Promise<number> {
      return d.db.transaction().execute(async (trx) => {
        const groupId = await d.rbac.ensureGroup(trx, randomUUID(), 'tenant', 'Default', DEFAULT_GROUP_KEY, Date.now());
        await d.rbac.ensureRole(trx, 'admin', 'Administrator', 0, BUILTIN_PERMISSIONS);
        await d.rbac.ensureRole(trx, 'user', 'User', 1, []);
        for (const s of SERVICE_SCOPES) await d.rbac.ensureScope(trx, s.slug, s.label);
        return groupId;
      });
    },
    /**
     * First start: an admin (role `admin`) and a default client, when none exist. Expects `seed`
     * to have run (the admin is given role `admin` and the default group).
     */
    async firstStart(): Promise<BootstrapResult> {
      const out: BootstrapResult = {};
      // Nodes of a cluster started together on an empty database all get here: one creates
      // each row, the others find the unique index taken and use (and show) nothing of theirs.
      const lost = (e: unknown) => e instanceof CoreError && e.code === 'taken';
      let clientRow = (await d.clients.list())[0];
      if (!clientRow) {
        const clientSecret = randomBytes(24).toString('base64url');
        clientRow = await d.clients
          .create({
            clientId: 'default',
            clientSecret,
            secret: randomBytes(32).toString('base64url'),
            redirectUrl: null,
            accessTokenExpiration: 900,
            refreshTokenExpiration: 86400,
            authCodeExpiration: 180,
          })
          .then(
            (row) => {
              out.client = { clientId: 'default', clientSecret };
              return row;
            },
            async (e: unknown) => {
              const other = lost(e) ? (await d.clients.list())[0] : undefined;
              if (!other) throw e;
              return other;
            },
          );
      }
      if (!(await d.users.any())) {
        const generated = !d.config.adminPassword;
        const password = d.config.adminPassword ?? randomBytes(18).toString('base64url');
        const created = await d.accounts
          .create({
            username: d.config.adminUsername,
            password,
            firstName: 'Admin',
            roles: ['admin'],
            clientIds: [clientRow.id],
          })
          .then(
            () => true,
            (e: unknown) => {
              if (lost(e)) return false;
              throw e;
            },
          );
        if (created) out.admin = { username: d.config.adminUsername, password, generated };
      }
      return out;
    },
  };
}
export type Bootstrap = ReturnType<typeof bootstrap>;
