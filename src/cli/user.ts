import type { Core } from '../core/index.js';
import type { Account } from '../core/accounts/accounts.js';
import type { AdminChange } from '../core/accounts/user-admin.js';
import { statusNumber } from '../core/accounts/user-records.js';
import { STATUS_NAMES } from '../core/rbac/permissions.js';
import { CoreError } from '../core/errors.js';
import { Failure, list, need, str, UsageError, type Command, type Group, type OptionSpec, type Values } from './command.js';
import { readSecret, secretOptions } from './secrets.js';

const STATUSES = Object.keys(STATUS_NAMES).join('|');

/** The account a command names: `<user>` (username, email or id) or `--username U`. */
const WHO: { positionals: string[]; options: Record<string, OptionSpec> } = {
  positionals: ['<user>'],
  options: { username: { type: 'string', value: 'U', help: 'the account (or give it as the argument: a username, an email or an id)' } },
};

async function findUser(core: Core, v: Values, positionals: string[]): Promise<Account> {
  const who = positionals[0] ?? str(v, 'username');
  if (!who) throw new UsageError('name the account: a username, an email or an id');
  const u = (await core.accounts.byUsername(who)) ?? (who.includes('@') ? await core.accounts.byEmail(who) : undefined) ?? (await core.accounts.byUuid(who));
  if (!u) throw new Failure(`no user ${who}`);
  return u;
}

function status(v: Values): number | undefined {
  const s = str(v, 'status');
  if (s === undefined) return undefined;
  const n = statusNumber(s);
  if (n === undefined) throw new UsageError(`--status must be one of ${STATUSES.replaceAll('|', ', ')}`);
  return n;
}

async function clientIds(core: Core, names: string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const cid of names) {
    const c = await core.clients.byClientId(cid);
    if (!c) throw new Failure(`no client ${cid}`);
    ids.push(c.id);
  }
  return ids;
}

const profileOptions: Record<string, OptionSpec> = {
  email: { type: 'string', value: 'E', help: 'email address' },
  phone: { type: 'string', value: 'P', help: 'phone number, E.164 (+4912345678)' },
  name: { type: 'string', value: 'N', help: 'display name' },
  'first-name': { type: 'string', value: 'N', help: 'first name' },
  'last-name': { type: 'string', value: 'N', help: 'last name' },
  status: { type: 'string', value: 'S', help: `account status: ${STATUSES}` },
};

const create: Command = {
  name: 'user create',
  summary: 'add a user',
  synopsis: '--username U (--password-stdin | --password-file F | --password P) [--email E] [--role SLUG]... [--client ID]... [...]',
  options: {
    username: { type: 'string', value: 'U', help: 'the username it signs in with (required)' },
    ...secretOptions('password', 'the password'),
    ...profileOptions,
    dob: { type: 'string', value: 'YYYY-MM-DD', help: 'date of birth' },
    role: { type: 'string', multiple: true, value: 'SLUG', help: 'a role in the default group (default: user; admin holds every permission)' },
    permission: { type: 'string', multiple: true, value: 'NAME', help: 'a permission granted to this user beyond its roles' },
    client: { type: 'string', multiple: true, value: 'ID', help: 'an ARC client_id it may sign in through' },
  },
  async run({ values: v, withCore }) {
    const username = need(v, 'username');
    const password = await readSecret(v, 'password');
    if (password === undefined) throw new UsageError('a password is required: --password-stdin, --password-file F or --password P');
    const st = status(v);
    return withCore(async (core) => {
      const u = await core.accounts.create({
        username,
        password,
        email: str(v, 'email') ?? null,
        phone: str(v, 'phone') ?? null,
        name: str(v, 'name') ?? null,
        firstName: str(v, 'first-name') ?? null,
        lastName: str(v, 'last-name') ?? null,
        dob: str(v, 'dob') ?? null,
        status: st,
        roles: list(v, 'role'),
        permissions: list(v, 'permission'),
        clientIds: await clientIds(core, list(v, 'client') ?? []),
      });
      return { id: u.uuid, username: u.username, email: u.email };
    });
  },
};

const listCmd: Command = {
  name: 'user list',
  summary: 'list users with their status, roles and clients',
  notes: ['Status is one of registered, active, inactive, password-change-needed, rejected; roles are those of the default group; clients the ARC client_ids a user may sign in through.'],
  async run({ withCore }) {
    return withCore((core) => core.userAdmin.list());
  },
};

const update: Command = {
  name: 'user update',
  summary: "change a user's email, names, status, roles or password",
  synopsis: '<user> [--email E] [--name N] [--status S] [--role SLUG]... [--password-stdin | --password-file F] [...]',
  positionals: WHO.positionals,
  options: {
    ...WHO.options,
    'new-username': { type: 'string', value: 'U', help: 'rename the account' },
    ...profileOptions,
    role: { type: 'string', multiple: true, value: 'SLUG', help: 'replace its roles in the default group with these' },
    ...secretOptions('password', 'a new password'),
  },
  notes: [
    'An empty value clears an optional field (--email ""). A changed email or phone is no longer verified. Blocking the account (--status inactive or rejected) or setting a password ends its sessions in every dialect.',
  ],
  async run({ values: v, positionals, withCore }) {
    const change: AdminChange = {};
    const text = (flag: string) => (v[flag] === undefined ? undefined : str(v, flag) || null);
    const fields: [keyof AdminChange, string][] = [['email', 'email'], ['phone', 'phone'], ['name', 'name'], ['first_name', 'first-name'], ['last_name', 'last-name']];
    for (const [key, flag] of fields) if (v[flag] !== undefined) (change as Record<string, unknown>)[key] = text(flag);
    if (v['new-username'] !== undefined) change.username = need(v, 'new-username');
    change.status = status(v);
    change.roles = list(v, 'role');
    change.password = await readSecret(v, 'password');
    for (const k of Object.keys(change) as (keyof AdminChange)[]) if (change[k] === undefined) delete change[k];
    if (!Object.keys(change).length) throw new UsageError('nothing to change: give at least one of the options');
    return withCore(async (core) => {
      const u = await findUser(core, v, positionals);
      const after = await core.userAdmin.update(u, change, { via: 'cli' });
      return { ...(await core.userAdmin.show(after)), ...(change.password !== undefined && { passwordChanged: true }) };
    });
  },
};

const setPassword: Command = {
  name: 'user set-password',
  summary: "set a user's password (ends its sessions)",
  synopsis: '<user> (--password-stdin | --password-file F | --password P)',
  positionals: WHO.positionals,
  options: { ...WHO.options, ...secretOptions('password', 'the new password') },
  async run({ values: v, positionals, withCore }) {
    const password = await readSecret(v, 'password');
    if (password === undefined) throw new UsageError('a password is required: --password-stdin, --password-file F or --password P');
    return withCore(async (core) => {
      const u = await findUser(core, v, positionals);
      await core.accounts.setPassword(u, password, { via: 'cli' }).catch((e: unknown) => {
        if (e instanceof CoreError && e.code === 'password_same') return undefined;
        throw e;
      });
      return { username: u.username, passwordChanged: true };
    });
  },
};

const allowClient: Command = {
  name: 'user allow-client',
  summary: 'let a user sign in through ARC clients',
  synopsis: '<user> --client ID [--client ID]...',
  positionals: WHO.positionals,
  options: { ...WHO.options, client: { type: 'string', multiple: true, value: 'ID', help: 'an ARC client_id (required)' } },
  async run({ values: v, positionals, withCore }) {
    const names = list(v, 'client');
    if (!names?.length) throw new UsageError('--client is required');
    return withCore(async (core) => {
      const u = await findUser(core, v, positionals);
      for (const id of await clientIds(core, names)) await core.accounts.allowClient(u.id, id);
      return { username: u.username, clients: names };
    });
  },
};

const remove: Command = {
  name: 'user delete',
  summary: 'delete a user (ends its sessions; frees its username and email)',
  synopsis: '<user>',
  positionals: WHO.positionals,
  options: WHO.options,
  async run({ values: v, positionals, withCore }) {
    return withCore(async (core) => {
      const u = await findUser(core, v, positionals);
      await core.accounts.remove(u);
      return { deleted: u.username };
    });
  },
};

export const userGroup: Group = {
  name: 'user',
  summary: 'user accounts (one store for every dialect)',
  commands: [create, listCmd, update, setPassword, allowClient, remove],
};
