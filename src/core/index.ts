import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Store } from '../store/index.js';
import { passwordHasher } from './passwords.js';
import { loginThrottle } from './throttle.js';
import { revocationList } from './revocations.js';
import { auditLog } from './audit.js';
import { mailer } from './mailer.js';
import { accounts } from './accounts.js';
import { clients } from './clients.js';
import { sessions } from './sessions.js';
import { oneTimeCodes } from './codes.js';
import { recovery } from './recovery.js';
import { mailQuota, registrationQuota } from './quota.js';
import { secretBox } from './crypto.js';
import { signHs256, verifyHs256, type Claims, type VerifyOptions } from './jwt.js';
import { BUILTIN_PERMISSIONS } from './permissions.js';
import { totp } from './totp.js';
import { secondFactor } from './second-factor.js';
import { webSessions } from './web-session.js';
import { oneTimeLogin } from './onetime.js';
import { stipulations } from './stipulations.js';
import { oauth2Server } from './oauth2/index.js';

export const DEFAULT_GROUP_KEY = 'default';

/** The domain, wired over a store. Knows nothing of HTTP. */
export async function createCore(config: Config, store: Store, log: Logger) {
  const box = secretBox(config.secretKey);
  const hasher = passwordHasher({ memoryKib: config.hashMemoryKib, iterations: config.hashIterations, parallelism: config.hashParallelism });
  const throttle = loginThrottle(store.ttl, {
    maxFailures: config.loginMaxFailures,
    lockoutSeconds: config.loginLockoutSeconds,
    maxFailuresPerIp: config.loginMaxFailuresPerIp,
    trustSeconds: config.loginTrustSeconds,
  });
  // Blocks seen on the feed end the account's stored sessions; accounts is wired below.
  let endStoredSessions: (userId: number) => Promise<void> = async () => undefined;
  const revocations = revocationList(store.accessEvents, store.ttl, {
    sessionLifetimeMs: config.simpleCookieExpiresMinutes * 60_000,
    onBlocked: (userId) => endStoredSessions(userId),
    onChange: () => store.tokensGeneration.bump(),
    warn: (msg, err) => log.warn({ err }, msg),
  });
  const audit = auditLog(store.audit, log);
  let defaultGroupId = 0;
  const mail = mailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, dataDir: config.dataDir, log });
  const codes = oneTimeCodes(store.codes, box);
  const windowSeconds = config.mailWindowSeconds;
  const mails = mailQuota({ ttl: store.ttl, mail, log, perRecipient: { max: config.mailMaxPerRecipient, windowSeconds }, perAddress: { max: config.mailMaxPerIp, windowSeconds } });
  const totpService = totp({ issuer: config.simpleTwoFactorIssuer, keyLength: config.simpleTwoFactorKeyLength, drift: config.simpleTwoFactorDrift });
  const accountsService = accounts({
    totp: totpService,
    box,
    codes,
    db: store.db,
    users: store.users,
    rbac: store.rbac,
    sessions: store.sessions,
    oauthTokens: store.oauthTokens,
    accessEvents: store.accessEvents,
    hasher,
    throttle,
    revocations,
    audit,
    defaultGroupId: () => defaultGroupId,
  });
  endStoredSessions = accountsService.endStoredSessions;
  await revocations.load();
  const core = {
    config,
    log,
    store,
    hasher,
    revocations,
    audit,
    mail,
    accounts: accountsService,
    throttle,
    recovery: recovery({ accounts: accountsService, codes, mailQuota: mails, resetUrl: config.resetPasswordUrl }),
    mailQuota: mails,
    registration: registrationQuota(store.ttl, { max: config.registerMaxPerIp, windowSeconds: config.registerWindowSeconds }),
    clients: clients(store.clients, box, throttle),
    sessions: sessions(store.sessions, revocations, audit, (id) => store.users.byId(id)),
    codes,
    box,
    totp: totpService,
    secondFactor: secondFactor({ users: store.users, totp: totpService, box, audit }),
    webSessions: webSessions({
      method: config.simpleCookieSigningMethod,
      key: config.simpleCookieSigningKey,
      issuer: config.simpleCookieIssuer,
      expiresMinutes: config.simpleCookieExpiresMinutes,
    }),
    oauth2: oauth2Server({ config, store, box, throttle, audit, accounts: accountsService }),
    onetime: oneTimeLogin({ accounts: accountsService, codes, mailQuota: mails, audit, baseUrl: config.simpleBaseUrl, company: config.simpleCompany }),
    stipulations: stipulations({ codes, users: store.users, mail, audit, baseUrl: config.simpleBaseUrl, company: config.simpleCompany }),
    /** Tokens signed with JWT_SECRET and JWT_ISSUER; `typ` keeps kinds (access, reset, sign-up) apart. */
    jwt: {
      // A random jti keeps two tokens minted in the same second for the same user apart:
      // they are revoked, paired and stored (hashed) one by one.
      sign: (claims: Claims, typ = 'JWT') => signHs256({ ...claims, jti: randomBytes(12).toString('base64url'), iss: config.jwtIssuer }, config.jwtSecret, typ),
      verify: (token: string, opts: Omit<VerifyOptions, 'issuer'> = {}) => verifyHs256(token, config.jwtSecret, { ...opts, issuer: config.jwtIssuer }),
    },
    /** Creates the default tenant and the built-in roles; idempotent. */
    async seed(): Promise<void> {
      await store.db.transaction().execute(async (trx) => {
        defaultGroupId = await store.rbac.ensureGroup(trx, randomUUID(), 'tenant', 'Default', DEFAULT_GROUP_KEY, Date.now());
        await store.rbac.ensureRole(trx, 'admin', 'Administrator', 0, BUILTIN_PERMISSIONS);
        await store.rbac.ensureRole(trx, 'user', 'User', 1, []);
      });
    },
    /**
     * First start: an admin (role `admin`) and a default client, when none exist. Returns the
     * generated credentials so the caller can show them once.
     */
    async bootstrap(): Promise<{ admin?: { username: string; password: string; generated: boolean }; client?: { clientId: string; clientSecret: string } }> {
      await core.seed();
      const out: Awaited<ReturnType<typeof core.bootstrap>> = {};
      let clientRow = (await core.clients.list())[0];
      if (!clientRow) {
        const clientSecret = randomBytes(24).toString('base64url');
        clientRow = await core.clients.create({
          clientId: 'default',
          clientSecret,
          secret: randomBytes(32).toString('base64url'),
          redirectUrl: null,
          accessTokenExpiration: 900,
          refreshTokenExpiration: 86400,
          authCodeExpiration: 180,
        });
        out.client = { clientId: 'default', clientSecret };
      }
      if (!(await store.users.any())) {
        const generated = !config.adminPassword;
        const password = config.adminPassword ?? randomBytes(18).toString('base64url');
        await core.accounts.create({
          username: config.adminUsername,
          password,
          firstName: 'Admin',
          roles: ['admin'],
          clientIds: [clientRow.id],
        });
        out.admin = { username: config.adminUsername, password, generated };
      }
      return out;
    },
    async close(): Promise<void> {
      revocations.close();
      core.mail.close();
    },
  };
  await core.seed();
  // Configured OAuth2 clients are written (and checked against existing client ids) at start.
  await core.oauth2.sync();
  return core;
}
export type Core = Awaited<ReturnType<typeof createCore>>;
