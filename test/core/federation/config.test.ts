import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type Config } from '../../../src/config/index.js';
import { providerRegistry, type ProviderRecords } from '../../../src/core/federation/registry.js';

// Provider settings are checked when the server starts: a provider that could only be used
// unsafely (no issuer to verify id_tokens against, plain http elsewhere) stops the start.

const noRecords: ProviderRecords = { find: async () => ({ data: [] }), secretOf: async () => undefined };
const registry = (env: NodeJS.ProcessEnv, overrides: Partial<Config> = {}) => providerRegistry(loadConfig(env, { dataDir: '/nonexistent-gatehouse', jwtSecret: 'x', secretKey: 'y', simpleCookieSigningKey: 'z', ...overrides }), noRecords);

describe('federation settings', () => {
  it('reads SA_PROVIDERS_OIDC as a JSON list', async () => {
    const r = registry({ SA_PROVIDERS_OIDC: JSON.stringify([{ id: 'corp', name: 'Corp', clientid: 'c', clientsecret: 's', issuer: 'https://sso.example.com' }]) });
    expect(await r.list()).toEqual([{ id: 'corp', name: 'Corp', protocol: 'oidc', source: 'config' }]);
    expect(() => registry({ SA_PROVIDERS_OIDC: '{not json' })).toThrow(ConfigError);
    expect(() => registry({ SA_PROVIDERS_OIDC: '{"id":"x"}' })).toThrow(/must be a list/);
  });

  it('refuses an OpenID provider without an issuer (its id_tokens could not be verified)', () => {
    expect(() => registry({}, { oidcProviders: [{ id: 'google', clientid: 'c', clientsecret: 's', authurl: 'https://accounts.google.com/o/oauth2/v2/auth', tokenurl: 'https://oauth2.googleapis.com/token' }] })).toThrow(/issuer is required/);
  });

  it('refuses bad entries: unknown keys, bad ids, duplicates, a built-in configured twice', () => {
    expect(() => registry({}, { oidcProviders: [{ id: 'a', issuer: 'https://a.example', clientId: 'typo' }] })).toThrow(/unknown key clientId/);
    expect(() => registry({}, { oidcProviders: [{ id: '../x', issuer: 'https://a.example' }] })).toThrow(/path segment/);
    expect(() => registry({}, { oidcProviders: [{ id: 'a', issuer: 'https://a.example' }, { id: 'a', issuer: 'https://b.example' }] })).toThrow(/twice/);
    expect(() => registry({ GOOGLE_AUTH_CLIENT_ID: 'c', GOOGLE_AUTH_CLIENT_SECRET: 's' }, { oidcProviders: [{ id: 'google', issuer: 'https://accounts.google.com' }] })).toThrow(/own settings too/);
  });

  it('allows plain http only on loopback', () => {
    expect(() => registry({ GOOGLE_AUTH_ISSUER: 'http://accounts.example.com' })).toThrow(/must be https/);
    expect(() => registry({ GITHUB_AUTH_TOKEN_URL: 'http://github.example/token' })).toThrow(/must be https/);
    expect(() => registry({ GOOGLE_AUTH_ISSUER: 'http://127.0.0.1:8080', KEYCLOAK_ISSUER: 'http://localhost:8080/realms/x' })).not.toThrow();
  });

  it('builds the Keycloak issuer from KEYCLOAK_HOST and KEYCLOAK_REALM, or takes KEYCLOAK_ISSUER', () => {
    expect(registry({ KEYCLOAK_HOST: 'https://kc.example.com/', KEYCLOAK_REALM: 'main' }).known('keycloak')).toMatchObject({
      issuer: 'https://kc.example.com/auth/realms/main',
      endSessionUrl: 'https://kc.example.com/auth/realms/main/protocol/openid-connect/logout',
    });
    expect(registry({ KEYCLOAK_HOST: 'https://kc.example.com', KEYCLOAK_REALM: 'main', KEYCLOAK_ISSUER: 'https://kc.example.com/realms/main' }).known('keycloak')?.issuer).toBe('https://kc.example.com/realms/main');
    expect(registry({}).known('keycloak')).toBeUndefined();
  });

  it('counts a provider as configured only with its client id and secret (Apple: its key)', async () => {
    expect(await registry({ GOOGLE_AUTH_CLIENT_ID: 'c' }).list()).toEqual([]);
    expect((await registry({ GOOGLE_AUTH_CLIENT_ID: 'c', GOOGLE_AUTH_CLIENT_SECRET: 's' }).list()).map((p) => p.id)).toEqual(['google']);
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(await registry({ APPLE_AUTH_CLIENT_ID: 'com.x', APPLE_AUTH_TEAM_ID: 'T' }).list()).toEqual([]);
    expect((await registry({ APPLE_AUTH_CLIENT_ID: 'com.x', APPLE_AUTH_TEAM_ID: 'T', APPLE_AUTH_KEY_ID: 'K', APPLE_AUTH_PRIVATE_KEY: pem }).list()).map((p) => p.id)).toEqual(['apple']);
  });

  it('refuses an Apple key that is not an EC P-256 private key, or a key file it cannot read', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const base = { APPLE_AUTH_CLIENT_ID: 'com.x', APPLE_AUTH_TEAM_ID: 'T', APPLE_AUTH_KEY_ID: 'K' };
    expect(() => registry({ ...base, APPLE_AUTH_PRIVATE_KEY: rsa })).toThrow(/EC P-256/);
    expect(() => registry({ ...base, APPLE_AUTH_PRIVATE_KEY: 'not a key' })).toThrow(/not a PEM/);
    expect(() => registry({ ...base, APPLE_AUTH_PRIVATE_KEY_LOCATION: '/nonexistent/AuthKey.p8' })).toThrow(/cannot read/);
  });

  it('has the documented defaults', () => {
    const c = loadConfig({}, { dataDir: '/nonexistent-gatehouse', jwtSecret: 'x', secretKey: 'y', simpleCookieSigningKey: 'z' });
    expect(c).toMatchObject({ googleAuthIssuer: 'https://accounts.google.com', appleAuthIssuer: 'https://appleid.apple.com', federationLinkVerifiedEmail: true, federationTimeoutMs: 10_000, federationStateSeconds: 600, oidcProviders: [] });
  });
});
