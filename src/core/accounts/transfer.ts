import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../store/schema.js';
import type { TransferRepo } from '../../store/transfer.js';
import { UniqueViolation, type UserRow, type UsersRepo } from '../../store/users.js';
import type { RbacRepo } from '../../store/rbac.js';
import type { AuditEvent, AuditLog } from '../audit.js';
import type { Accounts } from './accounts.js';
import { STATUS, isBlocked } from '../rbac/permissions.js';
import { parseRecord, RecordError, toRecord, type ParsedRecord, type UserRecord } from './user-records.js';

export type { UserRecord } from './user-records.js';

export interface ImportOptions {
  /** Existing accounts (same username or email) take the file's values; otherwise they are skipped. */
  update?: boolean;
  /** Roles the file names that do not exist are made (no permissions); otherwise such a line is refused. */
  createRoles?: boolean;
  /** Check everything, write nothing. */
  dryRun?: boolean;
}

export interface ImportSummary {
  created: number;
  updated: number;
  skipped: number;
  dryRun: boolean;
}

export interface LineProblem {
  line: number;
  message: string;
}

/** The file was refused as a whole: nothing was written. */
export class ImportRejected extends Error {
  constructor(public readonly problems: LineProblem[]) {
    super(`${problems.length} line${problems.length === 1 ? '' : 's'} cannot be imported; nothing was written`);
  }
}

interface Deps {
  db: Kysely<Database>;
  repo: TransferRepo;
  users: Pick<UsersRepo, 'insert' | 'byUsername' | 'byEmail' | 'byPhone'>;
  rbac: Pick<RbacRepo, 'ensureRole' | 'ensureScope'>;
  accounts: Pick<Accounts, 'endAllAccess'>;
  audit: AuditLog;
  defaultGroupId: () => number;
}

const EXPORT_PAGE = 500;

type Verified = ParsedRecord['emailVerified'];
/** The verification time a line asks for, given the account's current one; undefined: unchanged. */
const verifiedAt = (v: Verified, current: number | null, now: number): number | null | undefined => (v === undefined ? undefined : 'at' in v ? v.at : v.flag ? (current ?? now) : null);

/**
 * Moving accounts between servers with their password hashes (docs/cli.md "User files"): export
 * as records, import from lines. An import checks every line first (format, duplicates inside the
 * file, roles and clients, conflicts with existing accounts) and then writes all of it in one
 * transaction, or nothing.
 */
export function userTransfer(d: Deps) {
  async function plan(records: ParsedRecord[], opts: ImportOptions, problems: LineProblem[]) {
    const [roles, clients] = await Promise.all([d.repo.roles(), d.repo.clients()]);
    const missingRoles = new Set<string>();
    const seen = { username: new Map<string, number>(), email: new Map<string, number>(), uuid: new Map<string, number>(), phone: new Map<string, number>() };
    const out: { r: ParsedRecord; existing: UserRow | undefined }[] = [];
    for (const r of records) {
      const problem = (message: string) => problems.push({ line: r.line, message });
      const before = problems.length;
      for (const [kind, value] of [['username', r.usernameNorm], ['email', r.emailNorm], ['uuid', r.uuid], ['phone', r.columns.phone]] as const) {
        if (!value) continue;
        const other = seen[kind].get(value);
        if (other !== undefined) problem(`${kind} ${value} is also on line ${other}`);
        else seen[kind].set(value, r.line);
      }
      for (const slug of [...(r.roles ?? []), ...(r.globalRoles ?? [])]) {
        if (roles.has(slug)) continue;
        if (opts.createRoles) missingRoles.add(slug);
        else problem(`unknown role "${slug}"`);
      }
      for (const c of r.clients ?? []) if (!clients.has(c)) problem(`unknown client "${c}"`);
      const byName = await d.users.byUsername(r.usernameNorm);
      const byEmail = r.emailNorm ? await d.users.byEmail(r.emailNorm) : undefined;
      if (byName && byEmail && byName.id !== byEmail.id) problem(`the username is account ${byName.username}'s and the email account ${byEmail.username}'s`);
      const existing = byName ?? byEmail;
      if (r.uuid) {
        const owner = await d.repo.uuidOwner(r.uuid);
        if (owner && owner.id !== existing?.id) problem(`uuid ${r.uuid} belongs to ${owner.deleted_at === null ? 'another' : 'a deleted'} account`);
      }
      if (r.columns.phone) {
        const holder = await d.users.byPhone(r.columns.phone);
        if (holder && holder.id !== existing?.id) problem(`phone belongs to account ${holder.username}`);
      }
      if (problems.length === before) out.push({ r, existing });
    }
    return { plan: out, roles, clients, missingRoles };
  }

  return {
    /** Every live account as a record, with its password hash, in id order (read page by page). */
    async *exportRecords(): AsyncGenerator<UserRecord> {
      let after = 0;
      let count = 0;
      for (;;) {
        const page = await d.repo.page(after, EXPORT_PAGE, true);
        if (!page.length) break;
        for (const a of page) yield toRecord(a);
        count += page.length;
        after = page[page.length - 1]?.user.id ?? after;
      }
      await d.audit.record({ userId: null, module: 'account', level: 'info', message: 'Accounts exported', data: { count } });
    },

    /** Imports lines of a users file (numbered from 1; blank lines are skipped). Throws ImportRejected. */
    async importLines(lines: Iterable<string> | AsyncIterable<string>, opts: ImportOptions = {}): Promise<ImportSummary> {
      const problems: LineProblem[] = [];
      const records: ParsedRecord[] = [];
      let n = 0;
      for await (const text of lines) {
        n++;
        if (!text.trim()) continue;
        try {
          records.push(parseRecord(text, n));
        } catch (e) {
          if (!(e instanceof RecordError)) throw e;
          problems.push({ line: n, message: e.message });
        }
      }
      const p = await plan(records, opts, problems);
      if (problems.length) throw new ImportRejected(problems.sort((a, b) => a.line - b.line));
      const existing = p.plan.filter((x) => x.existing).length;
      const summary: ImportSummary = {
        created: p.plan.length - existing,
        updated: opts.update ? existing : 0,
        skipped: opts.update ? 0 : existing,
        dryRun: opts.dryRun ?? false,
      };
      if (opts.dryRun) return summary;

      const endAccess: UserRow[] = [];
      const audits: AuditEvent[] = [];
      const now = Date.now();
      await d.db.transaction().execute(async (trx) => {
        const roleIds = new Map(p.roles);
        for (const slug of p.missingRoles) roleIds.set(slug, await d.rbac.ensureRole(trx, slug, slug, 1, []));
        const ids = (slugs: string[]) => slugs.map((s) => roleIds.get(s) as number);
        const links = async (userId: number, r: ParsedRecord, fresh: boolean) => {
          if (r.roles || fresh) await d.repo.setGroupRoles(trx, randomUUID(), userId, d.defaultGroupId(), ids(r.roles?.length ? r.roles : ['user']), now);
          if (r.globalRoles) await d.repo.setGlobalRoles(trx, userId, ids(r.globalRoles), now);
          if (r.clients) await d.repo.setClients(trx, userId, r.clients.map((c) => p.clients.get(c) as number));
          if (r.permissions || r.deniedPermissions) {
            const overrides = new Map<number, boolean>();
            for (const name of r.permissions ?? []) overrides.set(await d.rbac.ensureScope(trx, name), true);
            for (const name of r.deniedPermissions ?? []) overrides.set(await d.rbac.ensureScope(trx, name), false);
            await d.repo.setOverrides(trx, userId, overrides);
          }
        };
        for (const { r, existing } of p.plan) {
          try {
            if (!existing) {
              const user = await create(trx, r, now);
              if (r.passwordHash) await d.repo.setPasswordHash(trx, user.id, r.passwordHash, now);
              await links(user.id, r, true);
              audits.push({ userId: user.id, module: 'account', level: 'info', message: 'Account imported', data: { line: r.line } });
            } else if (opts.update) {
              const { user, passwordChanged } = await update(trx, r, existing, now);
              await links(user.id, r, false);
              if (passwordChanged || (isBlocked(user) && !isBlocked(existing))) endAccess.push(user);
              audits.push({ userId: user.id, module: 'account', level: 'info', message: 'Account updated by import', data: { line: r.line, passwordChanged } });
            }
          } catch (e) {
            if (e instanceof UniqueViolation) throw new ImportRejected([{ line: r.line, message: `${e.field} already taken` }]);
            throw e;
          }
        }
      });
      d.repo.touched();
      for (const u of endAccess) await d.accounts.endAllAccess(u);
      for (const a of audits) await d.audit.record(a);
      return summary;
    },
  };

  async function create(trx: Transaction<Database>, r: ParsedRecord, now: number): Promise<UserRow> {
    const c = r.columns;
    return d.users.insert(trx, {
      uuid: r.uuid ?? randomUUID(),
      username: r.username,
      username_norm: r.usernameNorm,
      email: c.email ?? null,
      email_norm: c.email_norm ?? null,
      phone: c.phone ?? null,
      name: c.name ?? null,
      first_name: c.first_name ?? null,
      middle_name: c.middle_name ?? null,
      last_name: c.last_name ?? null,
      bio: c.bio ?? null,
      gender: c.gender ?? null,
      dob: c.dob ?? null,
      locale: c.locale ?? null,
      picture: c.picture ?? null,
      status: c.status ?? STATUS.active,
      default_group_id: d.defaultGroupId(),
      email_verified_at: c.email ? (verifiedAt(r.emailVerified, null, now) ?? null) : null,
      phone_verified_at: c.phone && r.phoneVerified ? now : null,
      created_at: r.createdAt ?? now,
      updated_at: now,
    });
  }

  async function update(trx: Transaction<Database>, r: ParsedRecord, existing: UserRow, now: number) {
    const cols = { ...r.columns };
    const emailChanged = cols.email_norm !== undefined && cols.email_norm !== existing.email_norm;
    const emailAt = verifiedAt(r.emailVerified, emailChanged ? null : existing.email_verified_at, now);
    if (emailAt !== undefined) cols.email_verified_at = (cols.email ?? existing.email) ? emailAt : null;
    else if (emailChanged) cols.email_verified_at = null;
    const phoneChanged = cols.phone !== undefined && cols.phone !== existing.phone;
    if (r.phoneVerified !== undefined) cols.phone_verified_at = r.phoneVerified && (cols.phone ?? existing.phone) ? (phoneChanged ? now : (existing.phone_verified_at ?? now)) : null;
    else if (phoneChanged) cols.phone_verified_at = null;
    const user = await d.repo.update(trx, existing.id, cols, now);
    if (!user) throw new ImportRejected([{ line: r.line, message: 'the account was deleted while importing' }]);
    let passwordChanged = false;
    if (r.passwordHash !== undefined && (await d.repo.passwordHash(trx, existing.id)) !== r.passwordHash) {
      await d.repo.setPasswordHash(trx, existing.id, r.passwordHash, now);
      passwordChanged = true;
    }
    return { user, passwordChanged };
  }
}
export type UserTransfer = ReturnType<typeof userTransfer>;
