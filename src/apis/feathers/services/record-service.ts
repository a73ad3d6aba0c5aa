import { Forbidden, MethodNotAllowed, NotFound } from '@feathersjs/errors';
import type { TSchema } from '@sinclair/typebox';
import type { Records } from '../../../core/records/index.js';
import type { CallParams, FeathersContext, Principal } from '../context.js';
import { requirePrincipal } from '../hooks/authenticate.js';
import { holds, requireScope, scopesFor, type Operation } from '../hooks/authorize.js';
import { parseQuery, project } from '../query.js';
import { recordId, validator } from '../validate.js';

/** How one service shows and guards one kind of core record. */
export interface RecordServiceOptions<T> {
  /** The prefix of the access scopes guarding it (`roles` → roles_read, roles_write …). */
  scope: string;
  schemas: { create: TSchema; update: TSchema; patch: TSchema };
  /** The field naming the account a record belongs to: its owner may read it (decision 15). */
  owner?: keyof T & string;
  /** Whether an owner may also remove their own records (unlinking a provider). */
  ownerMayRemove?: boolean;
  /** Fields to turn from epoch milliseconds into ISO strings (besides created_at/updated_at). */
  dates?: (keyof T & string)[];
}

const iso = (v: unknown) => (typeof v === 'number' ? new Date(v).toISOString() : v);

export const notFound = (id: unknown): never => {
  throw new NotFound(`No record found for id '${String(id)}'`);
};

/**
 * A Feathers service over core records: find (paginated, Feathers query), get, create, update,
 * patch, remove; multi patch and remove are refused (405). Reading needs the `<scope>_read`
 * scope unless the record is the caller's own; writing needs `_create`, `_write` or `_remove`.
 */
export class RecordService<T extends { id: number }> {
  private readonly check: { create: (d: unknown) => unknown; update: (d: unknown) => unknown; patch: (d: unknown) => unknown };
  /** What `$select` may name: the record's fields (the writable ones, the id and the timestamps). */
  protected readonly fields: readonly string[];

  constructor(
    protected readonly ctx: FeathersContext,
    protected readonly records: Records<T, never>,
    protected readonly opts: RecordServiceOptions<T>,
  ) {
    this.check = { create: validator(opts.schemas.create), update: validator(opts.schemas.update), patch: validator(opts.schemas.patch) };
    this.fields = ['id', ...Object.keys((opts.schemas.patch as { properties?: object }).properties ?? {}), 'created_at', 'updated_at'];
  }

  /** The prefix of the scopes guarding the service (channels.ts sends events to `<scope>_read`). */
  get scope(): string {
    return this.opts.scope;
  }

  protected view(r: T): Record<string, unknown> {
    const out: Record<string, unknown> = { ...r };
    for (const f of ['created_at', 'updated_at', ...(this.opts.dates ?? [])]) if (f in out) out[f] = iso(out[f]);
    return out;
  }

  protected paginate() {
    return { default: this.ctx.core.config.feathersPaginateDefault, max: this.ctx.core.config.feathersPaginateMax };
  }

  protected owns(p: Principal, r: T): boolean {
    return this.opts.owner !== undefined && r[this.opts.owner] === (p.userId as unknown);
  }

  protected async may(p: Principal, op: Operation): Promise<boolean> {
    return holds(this.ctx, p, [...scopesFor(this.opts.scope, op), this.opts.scope]);
  }

  protected async require(p: Principal, op: Operation): Promise<void> {
    if (!(await this.may(p, op))) await requireScope(this.ctx, p, this.opts.scope, op);
  }

  private async record(id: unknown): Promise<T> {
    const n = recordId(id);
    const r = n === undefined ? undefined : await this.records.get(n);
    return r ?? notFound(id);
  }

  async find(params: CallParams) {
    const p = requirePrincipal(this.ctx, params);
    const { filter, select } = parseQuery(params.query, this.paginate(), this.fields);
    if (!(await this.may(p, 'read'))) {
      if (!this.opts.owner) throw new Forbidden(`You are not allowed to read ${this.opts.scope}`);
      const mine = { [this.opts.owner]: p.userId };
      filter.where = filter.where ? { and: [filter.where, mine] } : mine;
    }
    const page = await this.records.find(filter);
    return { total: page.total, limit: filter.limit, skip: filter.skip, data: page.data.map((r) => project(this.view(r), select)) };
  }

  async get(id: unknown, params: CallParams) {
    const p = requirePrincipal(this.ctx, params);
    // Where no record can be the caller's, the scope comes first: a refusal must not say whether the id exists.
    if (!this.opts.owner) await this.require(p, 'read');
    const r = await this.record(id);
    if (this.opts.owner && !this.owns(p, r)) await this.require(p, 'read');
    return project(this.view(r), parseQuery(params.query, this.paginate(), this.fields).select);
  }

  async create(data: unknown, params: CallParams) {
    const p = requirePrincipal(this.ctx, params);
    await this.require(p, 'create');
    return this.view(await this.records.create(this.check.create(data) as never));
  }

  async update(id: unknown, data: unknown, params: CallParams) {
    // As Feathers' hooks run before the adapter's multi check: 401 first.
    const p = requirePrincipal(this.ctx, params);
    if (id === null || id === undefined) throw new MethodNotAllowed('Can not update multiple entries');
    await this.require(p, 'write');
    const n = recordId(id);
    const r = n === undefined ? undefined : await this.records.update(n, this.check.update(data) as never);
    return this.view(r ?? notFound(id));
  }

  async patch(id: unknown, data: unknown, params: CallParams) {
    // As Feathers' hooks run before the adapter's multi check: 401 first.
    const p = requirePrincipal(this.ctx, params);
    if (id === null || id === undefined) throw new MethodNotAllowed('Can not patch multiple entries');
    await this.require(p, 'write');
    const n = recordId(id);
    const r = n === undefined ? undefined : await this.records.patch(n, this.check.patch(data) as never);
    return this.view(r ?? notFound(id));
  }

  async remove(id: unknown, params: CallParams) {
    // As Feathers' hooks run before the adapter's multi check: 401 first.
    const p = requirePrincipal(this.ctx, params);
    if (id === null || id === undefined) throw new MethodNotAllowed('Can not remove multiple entries');
    if (!this.opts.ownerMayRemove) await this.require(p, 'remove');
    const r = await this.record(id);
    if (this.opts.ownerMayRemove && !this.owns(p, r)) await this.require(p, 'remove');
    const removed = await this.records.remove(r.id);
    return this.view(removed ?? notFound(id));
  }
}
