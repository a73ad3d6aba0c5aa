import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Store } from '../store/index.js';
import { passwordHasher } from './accounts/passwords.js';
import { loginThrottle } from './throttle.js';
import { revocationList } from './tokens/revocations.js';
import { auditLog } from './audit.js';
import { mailer } from './notify/mailer.js';
import { accounts } from './accounts/accounts.js';
import { clients } from './clients.js';
import { sessions } from './sessions/sessions.js';
import { oneTimeCodes } from './tokens/codes.js';
import { recovery } from './accounts/recovery.js';
import { mailQuota, registrationQuota } from './notify/quota.js';
import { secretBox } from './util/crypto.js';
import { jwtSigner } from './tokens/jwt-signer.js';
import { accessTokens } from './tokens/access.js';
import { profiles, type Profiles } from './accounts/profiles.js';
import { accountCache, ACCOUNT_MAX_AGE_MS } from './accounts/account-cache.js';
import { bootstrap, type BootstrapResult } from './bootstrap.js';
import { totp } from './accounts/totp.js';
import { secondFactor } from './accounts/second-factor.js';
import { webSessions } from './tokens/web-session.js';
import { oneTimeLogin } from './accounts/onetime.js';
import { stipulations } from './accounts/stipulations.js';
import { oauth2Server } from './oauth2/index.js';
import { records } from './records/index.js';
import { rbacClaims } from './rbac/claims.js';
import { webhookSms } from './notify/sms.js';
import { addressCodes } from './accounts/address-codes.js';
import { otpLogin } from './accounts/otp-login.js';
import { verification } from './accounts/verification.js';
import { recoveryCodes } from './accounts/recovery-codes.js';
import { authSessions } from './sessions/auth-sessions.js';
import { federation } from './federation/index.js';
import { userAdmin } from './accounts/user-admin.js';
import { userTransfer } from './accounts/transfer.js';

export { DEFAULT_GROUP_KEY } from './bootstrap.js';

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
  // Set by seed() below (at start and again by bootstrap); accounts reads it when it creates one.
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
  const clientsService = clients(store.clients, box, throttle);
  const sms = webhookSms({ url: config.smsWebhookUrl, token: config.smsWebhookToken, log });
  const sentCodes = addressCodes({ accounts: accountsService, codes, mail, mailQuota: mails, sms, throttle, audit });
  const firstStart = bootstrap({
    db: store.db,
    rbac: store.rbac,
    users: store.users,
    clients: clientsService,
    accounts: accountsService,
    config,
  });
  const seed = async (): Promise<void> => {
    defaultGroupId = await firstStart.seed();
  };
  const recordsService = records({ db: store.db, repo: store.records, box });
  // Built before anything starts: a provider configured wrongly stops the start (ConfigError).
  const federationService = federation({
    config,
    log,
    ttl: store.ttl,
    box,
    repo: store.identities,
    sessionUpstream: store.sessionUpstream,
    accounts: accountsService,
    audit,
    records: recordsService.oauthProviders,
  });
  await revocations.load();
  const core = {
    config,
    log,
    /** Whether the database answers (`/health`). */
    databaseReachable: (): Promise<boolean> => store.users.any().then(() => true, () => false),
    hasher,
    revocations,
    audit,
    mail,
    accounts: accountsService,
    /** Account listing and profile changes (Feathers users). */
    profiles: profiles({
      users: store.users,
      audit,
      cache: accountCache({ byId: (id) => store.users.byId(id), rows: store.usersGeneration, maxAgeMs: store.seesExternalWrites ? Infinity : ACCOUNT_MAX_AGE_MS }),
    }),
    throttle,
    recovery: recovery({ accounts: accountsService, codes, mailQuota: mails, resetUrl: config.resetPasswordUrl }),
    mailQuota: mails,
    registration: registrationQuota(store.ttl, { max: config.registerMaxPerIp, windowSeconds: config.registerWindowSeconds }),
    clients: clientsService,
    sessions: sessions(store.sessions, revocations, audit, (id) => store.users.byId(id)),
    /** Sessions of every dialect as records, and personal access tokens (Feathers auth_sessions). */
    authSessions: authSessions({ repo: store.authSessions, accountOf: (id) => store.users.byId(id), endFamily: (id): Promise<void> => core.sessions.endFamily(id) }),
    codes,
    totp: totpService,
    secondFactor: secondFactor({ users: store.users, totp: totpService, box, audit, throttle }),
    webSessions: webSessions({
      method: config.simpleCookieSigningMethod,
      key: config.simpleCookieSigningKey,
      issuer: config.simpleCookieIssuer,
      expiresMinutes: config.simpleCookieExpiresMinutes,
    }),
    oauth2: oauth2Server({ config, store, box, throttle, audit, accounts: accountsService }),
    /** CRUD over the RBAC and OAuth-provider records (Feathers services). */
    records: recordsService,
    /** Sign-in through external providers (Google, Apple, Keycloak, GitHub, Facebook, Instagram, any OpenID provider). */
    federation: federationService,
    /** Global roles, groups, scopes and admin check of an account (Feathers claims and authorization). */
    claims: rbacClaims(store.claims),
    /** The operator's accounts (the CLI): a listing with roles and clients, changes, export and import with password hashes. */
    userAdmin: userAdmin({ db: store.db, repo: store.transfer, users: store.users, accounts: accountsService, profiles: (): Profiles => core.profiles, audit, defaultGroupId: () => defaultGroupId, reread: (id) => revocations.reread(id) }),
    transfer: userTransfer({ db: store.db, repo: store.transfer, users: store.users, rbac: store.rbac, accounts: accountsService, audit, defaultGroupId: () => defaultGroupId }),
    onetime: oneTimeLogin({ accounts: accountsService, codes, mailQuota: mails, audit, baseUrl: config.simpleBaseUrl, company: config.simpleCompany }),
    stipulations: stipulations({ codes, users: store.users, mail, audit, baseUrl: config.simpleBaseUrl, company: config.simpleCompany }),
    sms,
    /** Codes sent to an account's email or phone: signing in, verifying the address, recovering the password. */
    otpLogin: otpLogin({ codes: sentCodes, users: store.users, totp: totpService, box, audit }),
    verification: verification({ codes: sentCodes, oneTime: codes, users: store.users, audit }),
    recoveryCodes: recoveryCodes({ codes: sentCodes, accounts: accountsService }),
    jwt: jwtSigner(config),
    /** Access tokens of every dialect: mint, cached verify, revocation check. */
    access: accessTokens(revocations),
    /** Creates the default tenant and the built-in roles; idempotent. */
    seed,
    /** First start: seeds, then an admin and a default client when none exist (bootstrap.ts). */
    async bootstrap(): Promise<BootstrapResult> {
      await seed();
      return firstStart.firstStart();
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
