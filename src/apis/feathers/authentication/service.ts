import { NotAuthenticated } from '@feathersjs/errors';
import { CoreError } from '../../../core/errors.js';
import { AUDIT_SOCKET_SIGN_IN } from '../../../core/audit.js';
import { toFeathersError } from '../errors.js';
import { isBlocked } from '../../../core/rbac/permissions.js';
import type { Account } from '../../../core/accounts/accounts.js';
import type { CallParams, Connection, FeathersContext, Principal } from '../context.js';
import { principalOfToken, tokenOfHeaderOrConnection } from '../hooks/authenticate.js';
import { joinChannels, leaveChannels } from '../channels.js';
import { startSession } from './issue.js';
import { validator } from '../validate.js';
import { authResult, type AuthResult } from './result.js';
import { AuthenticationCreate } from './schema.js';

const checkCreate = validator(AuthenticationCreate);
const NO_STRATEGY = 'Invalid authentication information (no `strategy` set)';

/**
 * `authentication` (@feathersjs/authentication's service, over core): `create` signs in with
 * the local strategy (email, username or phone and password, under the shared throttle and
 * lockout) or re-authenticates with a JWT; `remove` signs out. Over socket.io the connection
 * keeps the sign-in, as Feathers does, until sign-out or the token's expiry.
 */
export class AuthenticationService {
  constructor(private readonly ctx: FeathersContext) {}

  async create(data: unknown, params: CallParams): Promise<AuthResult> {
    const d = checkCreate(data ?? {});
    const strategy = d.strategy ?? 'local';
    const result = strategy === 'jwt' ? await this.jwt(d.accessToken) : await this.socketCounted(params, () => this.local(d, params));
    if (params.connection) await this.attach(params.connection, result);
    return result;
  }

  /** REST sign-ins are counted by their route (metrics); one over socket.io is noted for the count here. */
  private async socketCounted(params: CallParams, signIn: () => Promise<AuthResult>): Promise<AuthResult> {
    if (params.provider !== 'socketio') return signIn();
    const note = (result: string) => this.ctx.core.audit.note({ userId: null, module: 'login', level: 'info', message: AUDIT_SOCKET_SIGN_IN, data: { dialect: 'feathers', result } });
    try {
      const r = await signIn();
      note('success');
      return r;
    } catch (e) {
      // As the client will see it: a core refusal becomes its Feathers error (locked: 429).
      const status = toFeathersError(e).code;
      note(status === 429 ? 'locked' : status < 500 ? 'failure' : 'error');
      throw e;
    }
  }

  private async local(d: { email?: string; username?: string; phone?: string; password?: string; totp?: string }, params: CallParams): Promise<AuthResult> {
    const core = this.ctx.core;
    const [by, login] = d.email !== undefined ? (['email', d.email] as const) : d.username !== undefined ? (['username', d.username] as const) : (['phone', d.phone ?? ''] as const);
    let user: Account;
    try {
      user = await core.accounts.authenticate({ login, by, password: d.password ?? '', ip: params.ip, device: params.device, totp: d.totp ?? null });
    } catch (e) {
      if (e instanceof CoreError && (e.code === 'missing_credentials' || e.code === 'invalid_credentials')) throw new NotAuthenticated('Invalid login');
      throw e;
    }
    if (isBlocked(user)) throw new NotAuthenticated('Invalid login');
    return startSession(this.ctx, user, 'local', params);
  }

  /** A JWT re-authentication answers with the same token and a further refresh token of its session. */
  private async jwt(accessToken: string | undefined): Promise<AuthResult> {
    if (!accessToken) throw new NotAuthenticated('No access token');
    const p = principalOfToken(this.ctx, accessToken);
    const user = await this.userOf(p);
    const exp = typeof p.claims.exp === 'number' ? p.claims.exp * 1000 : 0;
    const branch = await this.ctx.core.sessions.branch(accessToken, exp, this.ctx.core.config.feathersRefreshSeconds);
    return authResult({ strategy: 'jwt', accessToken, payload: p.claims, user, refreshToken: branch?.refreshToken, echoToken: true });
  }

  private async userOf(p: Principal): Promise<Account> {
    const user = await this.ctx.core.accounts.byId(p.userId);
    if (!user || isBlocked(user)) throw new NotAuthenticated('Invalid authentication information');
    return user;
  }

  /** Signs out: the token's session ends everywhere (its access tokens are revoked on every node). */
  async remove(_id: unknown, params: CallParams): Promise<AuthResult> {
    const token = tokenOfHeaderOrConnection(params);
    if (!token) throw new NotAuthenticated(NO_STRATEGY);
    const p = principalOfToken(this.ctx, token);
    const user = await this.userOf(p);
    const core = this.ctx.core;
    if (!(await core.sessions.endByAccess(token))) {
      // A token of no stored session (a personal access token) is revoked by itself.
      await core.revocations.revoke(core.sessions.sigOf(token), typeof p.claims.exp === 'number' ? p.claims.exp * 1000 : Date.now());
    }
    if (params.connection) this.detach(params.connection);
    return authResult({ strategy: 'jwt', accessToken: token, payload: p.claims, user, echoToken: true });
  }

  /** The connection is signed in until sign-out, disconnection or the token's expiry. */
  private async attach(connection: Connection, result: AuthResult): Promise<void> {
    this.detach(connection);
    connection.authentication = { strategy: 'jwt', accessToken: result.accessToken };
    const exp = Number(result.authentication.payload.exp) * 1000;
    const wait = exp - Date.now();
    // Timers cannot wait longer than ~24.8 days; the token is checked on every call anyway.
    if (wait > 0 && wait < 2 ** 31 - 1) {
      connection.expiry = setTimeout(() => this.ctx.app.emit('disconnect', connection), wait);
      connection.expiry.unref();
    }
    await joinChannels(this.ctx, connection, result.user.id);
  }

  private detach(connection: Connection): void {
    if (connection.expiry) clearTimeout(connection.expiry);
    connection.expiry = undefined;
    delete connection.authentication;
    leaveChannels(this.ctx, connection);
  }
}
