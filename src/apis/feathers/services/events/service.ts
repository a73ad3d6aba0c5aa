import { Forbidden } from '@feathersjs/errors';
import type { EventRecord } from '../../../../core/audit.js';
import type { CallParams, FeathersContext, Principal } from '../../context.js';
import { requirePrincipal } from '../../hooks/authenticate.js';
import { holds } from '../../hooks/authorize.js';
import { parseQuery, project } from '../../query.js';
import { recordId } from '../../validate.js';
import { notFound } from '../record-service.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** An audit entry in the spec's field order, timestamps as ISO strings. */
export function eventView(e: EventRecord) {
  return {
    id: e.id,
    source_table: e.source_table,
    event: e.event,
    custom_event: e.custom_event,
    table_id: e.table_id,
    user_id: e.user_id,
    previous_user_id: e.previous_user_id,
    created_at: iso(Number(e.created_at)),
    updated_at: iso(Number(e.updated_at)),
  };
}

/**
 * `events`: the one audit log of every dialect, read only (it offers find and get, so create,
 * update, patch and remove answer 405: no client can forge or erase an entry). A user reads the
 * entries about themselves; administrators and `full_access` read all (no `events_*` scope is
 * seeded: reference 1.5).
 */
export class EventsService {
  constructor(private readonly ctx: FeathersContext) {}

  private paginate() {
    return { default: this.ctx.core.config.feathersPaginateDefault, max: this.ctx.core.config.feathersPaginateMax };
  }

  private readsAll(p: Principal): Promise<boolean> {
    return holds(this.ctx, p, ['full_access']);
  }

  async find(params: CallParams) {
    const p = requirePrincipal(this.ctx, params);
    const { filter, select } = parseQuery(params.query, this.paginate());
    if (!(await this.readsAll(p))) filter.where = filter.where ? { and: [filter.where, { user_id: p.userId }] } : { user_id: p.userId };
    const page = await this.ctx.core.audit.events(filter);
    return { total: page.total, limit: filter.limit, skip: filter.skip, data: page.data.map((e) => project(eventView(e), select)) };
  }

  async get(id: unknown, params: CallParams) {
    const p = requirePrincipal(this.ctx, params);
    const n = recordId(id);
    const e = (n === undefined ? undefined : await this.ctx.core.audit.event(n)) ?? notFound(id);
    if (e.user_id !== p.userId && !(await this.readsAll(p))) throw new Forbidden('You are not allowed to read events');
    return project(eventView(e), parseQuery(params.query, this.paginate()).select);
  }
}
