/**
 * The admin console's configuration view: every setting whose name looks secret, and every
 * password inside a URL, is masked; nothing secret survives anywhere in the answer.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig, SETTINGS, type Config } from '../../src/config/index.js';
import { MASK, maskedConfig, secretName } from '../../src/core/admin/config-view.js';

/**
 * Every Config key whose name says it holds a secret. Addresses (`…Url`, `…Location`) are not
 * secrets themselves; the passwords inside URLs are checked below.
 */
const LOOKS_SECRET = /secret|password|passwd|private|signingkey|secretkey|token|salt|credential/i;
const ADDRESS = /(url|urls|location)$/i;

describe('admin config view', () => {
  const secretKeys = (Object.keys(SETTINGS) as (keyof Config)[]).filter((k) => LOOKS_SECRET.test(k) && !ADDRESS.test(k) && ['string', 'object', 'list', 'optional'].includes(SETTINGS[k].kind));

  it('treats every secret-looking setting as a secret', () => {
    expect(secretKeys.filter((k) => !secretName(k))).toEqual([]);
    for (const k of ['jwtSecret', 'secretKey', 'feathersJwtSecret', 'adminPassword', 'simpleCookieSigningKey', 'simpleAuthSecret', 'apiSharedSecret', 'metricsToken', 'smsWebhookToken', 'googleAuthClientSecret', 'appleAuthPrivateKey'] as const) {
      expect(secretKeys).toContain(k);
    }
  });

  it('masks every secret setting, URL passwords and nested client secrets', () => {
    const values: Record<string, unknown> = {};
    let n = 0;
    for (const k of secretKeys) {
      const kind = SETTINGS[k].kind;
      if (kind === 'string' || kind === 'optional') values[k] = `SENTINEL-${k}-${n++}`;
    }
    const config = loadConfig({}, {
      ...(values as Partial<Config>),
      databaseUrl: 'postgres://gh:DBPASS-SENTINEL@db.example:5432/gh',
      redisUrl: 'redis://:REDISPASS-SENTINEL@redis.example:6379/0',
      smtpUrl: 'smtp://mailer:SMTPPASS-SENTINEL@smtp.example:587',
      smsWebhookUrl: 'https://sms.example/hook?token=SMSQ-SENTINEL',
      oidcProviders: [{ id: 'corp', name: 'Corp', clientid: 'corp-app', clientsecret: 'OIDCSECRET-SENTINEL', issuer: 'https://id.example' }],
      oauth2Clients: { app: { secret: 'O2SECRET-SENTINEL', name: 'App', redirectUris: ['https://app.example/cb'], oidc: { signingKey: 'OIDCKEY-SENTINEL' } } },
    });
    const shown = maskedConfig(config);
    const text = JSON.stringify(shown);
    for (const v of Object.values(values)) expect(text).not.toContain(v);
    for (const s of ['DBPASS-SENTINEL', 'REDISPASS-SENTINEL', 'SMTPPASS-SENTINEL', 'SMSQ-SENTINEL', 'OIDCSECRET-SENTINEL', 'O2SECRET-SENTINEL', 'OIDCKEY-SENTINEL']) expect(text).not.toContain(s);
    for (const k of Object.keys(values)) expect(shown[k]).toBe(MASK);
    expect(shown.databaseUrl).toBe(`postgres://gh:${MASK}@db.example:5432/gh`);
    expect(shown.smtpUrl).toBe(`smtp://mailer:${MASK}@smtp.example:587`);
    // What is not secret stays readable.
    expect(shown.port).toBe(config.port);
    expect(shown.jwtIssuer).toBe(config.jwtIssuer);
    expect(shown.oauth2ReuseToken).toBe(config.oauth2ReuseToken);
    // The generated secrets of a default config are masked too.
    const plain = maskedConfig(loadConfig({}, { dataDir: config.dataDir }));
    expect(JSON.stringify(plain)).not.toContain(config.secretKey);
    expect(plain.jwtSecret === MASK || plain.jwtSecret === '' || plain.jwtSecret === undefined).toBe(true);
  });
});
