import { MethodNotAllowed } from '@feathersjs/errors';
import type { UserOAuthProvider } from '../../../core/records/index.js';
import type { CallParams } from '../context.js';
import { requirePrincipal } from '../hooks/authenticate.js';
import { oauthError } from '../oauth/errors.js';
import { recordId } from '../validate.js';
import { notFound, RecordService } from './record-service.js';

/** The engine's failures (409 when the only way in would go) in this dialect's words. */
const rethrow = (e: unknown): never => {
  throw oauthError(e);
};

/**
 * `user_oauth_providers`: an account's links to external identities. Its owner sees and removes
 * them; creating or changing one needs the service's scopes (an administrator), since a user
 * links a provider by signing in with it, never by naming a (provider, sub) pair, which would
 * let them claim someone else's identity. A removal goes through the federation engine's
 * unlink, and a move to another account through the records' same rule: neither may take the
 * only way in from an account without a password.
 */
export class UserOAuthProvidersService extends RecordService<UserOAuthProvider> {
  override update(id: unknown, data: unknown, params: CallParams) {
    return super.update(id, data, params).catch(rethrow);
  }

  override patch(id: unknown, data: unknown, params: CallParams) {
    return super.patch(id, data, params).catch(rethrow);
  }

  override async remove(id: unknown, params: CallParams) {
    // As Feathers' hooks run before the adapter's multi check: 401 first.
    const p = requirePrincipal(this.ctx, params);
    if (id === null || id === undefined) throw new MethodNotAllowed('Can not remove multiple entries');
    const n = recordId(id);
    const r = (n === undefined ? undefined : await this.records.get(n)) ?? notFound(id);
    if (!this.owns(p, r)) await this.require(p, 'remove');
    await this.ctx.core.federation.unlink(r.user_id, r.slug, r.sub).catch(rethrow);
    return this.view(r);
  }
}
