import type { Group } from '../../../core/records/index.js';
import type { CallParams } from '../context.js';
import { requirePrincipal } from '../hooks/authenticate.js';
import { parseQuery } from '../query.js';
import { RecordService } from './record-service.js';

/**
 * `access_groups`, with the original's custom methods: `count` (`{count}` of the groups the
 * caller may read, filtered by the query in `data`) and `available` (the groups the caller holds
 * a role in, directly or through a parent group, each with those roles).
 */
export class AccessGroupsService extends RecordService<Group> {
  async count(data: unknown, params: CallParams) {
    const p = requirePrincipal(this.ctx, params);
    const query = data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
    const { filter } = parseQuery({ ...query, $limit: 0 }, this.paginate());
    if (!(await this.may(p, 'read'))) {
      const ids = (await this.ctx.rbac.groupsOf(p.userId)).map((g) => g.id);
      filter.where = filter.where ? { and: [filter.where, { id: { inq: ids } }] } : { id: { inq: ids } };
    }
    return { count: (await this.records.find(filter)).total };
  }

  async available(_data: unknown, params: CallParams) {
    const p = requirePrincipal(this.ctx, params);
    const held = await this.ctx.rbac.groupsOf(p.userId);
    const page = held.length ? await this.records.find({ where: { id: { inq: held.map((g) => g.id) } }, order: ['id ASC'], limit: held.length, skip: 0 }) : { total: 0, data: [] };
    const roles = new Map(held.map((g) => [g.id, g.roles]));
    const data = page.data.map((g) => ({ ...this.view(g), roles: roles.get(g.id) ?? [] }));
    return { total: data.length, limit: data.length, skip: 0, data };
  }
}
