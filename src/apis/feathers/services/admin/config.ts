import type { CallParams, FeathersContext } from '../../context.js';
import { maskedConfig } from '../../../../core/admin/config-view.js';
import { requireAdmin } from './guard.js';

/** `admin_config`: the effective configuration, read only, every secret masked (core/admin/config-view.ts). */
export class AdminConfigService {
  constructor(private readonly ctx: FeathersContext) {}

  async find(params: CallParams) {
    await requireAdmin(this.ctx, params);
    return maskedConfig(this.ctx.core.config);
  }
}
