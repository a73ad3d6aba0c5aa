import type { Logger } from 'pino';
import type { Config } from '../../config/index.js';
import type { TtlStore } from '../../store/ttl-store.js';
import type { IdentitiesRepo } from '../../store/identities.js';
import type { SessionUpstreamRepo } from '../../store/session-upstream.js';
import type { Accounts } from '../accounts/accounts.js';
import type { AuditLog } from '../audit.js';
import type { SecretBox } from '../util/crypto.js';
import type { Federation, UpstreamTokens } from './types.js';
import { providerRegistry, type ProviderRecords } from './registry.js';
import { clientConfigs } from './client.js';
import { pendingSignIns } from './state.js';
import { idTokenVerifier } from './id-token.js';
import { signInFlow } from './flow.js';
import { identities } from './identities.js';
import { endUpstreamSession } from './upstream-logout.js';

export type * from './types.js';

export interface FederationDeps {
  config: Config;
  log: Logger;
  ttl: TtlStore;
  box: SecretBox;
  repo: IdentitiesRepo;
  sessionUpstream: SessionUpstreamRepo;
  accounts: Accounts;
  audit: AuditLog;
  records: ProviderRecords;
}

/**
 * Sign-in through external providers for every dialect (docs/federation.md): the providers
 * (registry.ts, one file each under providers/), the two legs of a sign-in (flow.ts), and the
 * identities that tie a provider's person to an account (identities.ts). Throws ConfigError
 * when the configured providers are unusable, so a bad configuration stops the start.
 */
export function federation(d: FederationDeps): Federation {
  const timeoutMs = d.config.federationTimeoutMs;
  const registry = providerRegistry(d.config, d.records);
  const flow = signInFlow({
    registry,
    clients: clientConfigs(timeoutMs),
    pending: pendingSignIns(d.ttl, d.config.federationStateSeconds),
    verifyIdToken: idTokenVerifier(timeoutMs),
    timeoutMs,
    log: d.log,
  });
  const ids = identities({ repo: d.repo, accounts: d.accounts, audit: d.audit, linkVerifiedEmail: d.config.federationLinkVerifiedEmail });

  const sealTokens = (tokens: UpstreamTokens): string => d.box.seal(JSON.stringify({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, idToken: tokens.idToken }));
  function openTokens(sealed: string): UpstreamTokens | undefined {
    try {
      const t = JSON.parse(d.box.open(sealed)) as Partial<UpstreamTokens>;
      if (typeof t.accessToken !== 'string') return undefined;
      return {
        accessToken: t.accessToken,
        ...(typeof t.refreshToken === 'string' && { refreshToken: t.refreshToken }),
        ...(typeof t.idToken === 'string' && { idToken: t.idToken }),
      };
    } catch {
      return undefined;
    }
  }

  return {
    providers: () => registry.list(),
    has: async (id) => (await registry.get(id)) !== undefined,
    start: flow.start,
    finish: flow.finish,
    resolve: ids.resolve,
    link: ids.link,
    unlink: ids.unlink,
    identitiesOf: ids.identitiesOf,
    sealTokens,
    openTokens,
    async endUpstream(provider, tokens) {
      const p = (await registry.get(provider).catch(() => undefined)) ?? registry.known(provider);
      await endUpstreamSession(p, tokens, timeoutMs, d.log);
    },
    async keepTokens(sessionId, tokens) {
      await d.sessionUpstream.set(sessionId, sealTokens(tokens));
    },
    async tokensOf(sessionId) {
      const sealed = await d.sessionUpstream.get(sessionId);
      return sealed === undefined ? undefined : openTokens(sealed);
    },
  };
}

