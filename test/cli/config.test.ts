import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, SETTINGS } from '../../src/config/index.js';
import { parseConfigClient } from '../../src/core/oauth2/config-clients.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-config-'));
// Keys given, so that nothing is written to a data directory.
const base = { GATEHOUSE_DATA_DIR: dir, JWT_SECRET: 'j', GATEHOUSE_SECRET_KEY: 's', SA_WEB_LOGIN_COOKIE_JWT_SIGNINGKEY: 'session-key' };
const load = (env: Record<string, string>) => loadConfig({ ...base, ...env });
const fileWith = (content: string) => {
  const path = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, content);
  return path;
};
const error = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  }
  throw new Error('no ConfigError');
};

describe('configuration checks', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('booleans take true/false, 1/0, yes/no, on/off (and t/f of the SA_ variables), in any case; anything else stops with the variable named', () => {
    for (const [raw, want] of [['true', true], ['1', true], ['YES', true], ['on', true], ['t', true], ['false', false], ['0', false], ['No', false], ['off', false], ['f', false]] as const) {
      expect(load({ TRUST_PROXY: raw }).trustProxy).toBe(want);
    }
    expect(error(() => load({ TRUST_PROXY: 'maybe' }))).toBe('TRUST_PROXY must be true or false (also 1/0, yes/no, on/off), not "maybe"');
    expect(error(() => load({ SA_API_EXTERNAL: 'enabled' }))).toMatch(/^SA_API_EXTERNAL must be true or false/);
  });

  it('numbers must be numbers, ports whole and in range, log levels known, database URLs sqlite: or postgres://', () => {
    expect(error(() => load({ PORT: 'abc' }))).toBe('PORT must be a non-negative number, not "abc"');
    expect(error(() => load({ LOGIN_MAX_FAILURES: '5x' }))).toBe('LOGIN_MAX_FAILURES must be a non-negative number, not "5x"');
    expect(error(() => load({ PORT: '70000' }))).toBe('PORT must be a whole number from 0 to 65535, not "70000"');
    expect(error(() => load({ LOG_LEVEL: 'verbose' }))).toMatch(/^LOG_LEVEL must be fatal, error, warn, info, debug, trace, silent/);
    // The URL may hold a password: it is not quoted back.
    expect(error(() => load({ DATABASE_URL: 'mysql://root:hunter2@db/x' }))).toBe('DATABASE_URL must be sqlite:<path> or postgres://user@host:port/database');
    expect(error(() => load({ SA_WEB_LOGIN_ONETIME_TOKENDURATION: 'soon' }))).toMatch(/^SA_WEB_LOGIN_ONETIME_TOKENDURATION must be seconds or a duration/);
    expect(load({ PORT: '8081', SA_WEB_LOGIN_ONETIME_TOKENDURATION: '1h30m' })).toMatchObject({ port: 8081, simpleOnetimeDuration: 5400 });
  });

  it('an unknown key in the config file stops the start, naming it and the closest known key', () => {
    expect(error(() => load({ GATEHOUSE_CONFIG: fileWith('{"port": 8080, "trustProxi": true}') }))).toMatch(/^unknown setting "trustProxi" in config file .*: did you mean "trustProxy"\?/);
    // An environment variable's name written as a key points to the key.
    expect(error(() => load({ GATEHOUSE_CONFIG: fileWith('{"SMTP_URL": "smtp://x"}') }))).toMatch(/did you mean "smtpUrl"\?/);
    expect(error(() => load({ GATEHOUSE_CONFIG: fileWith('{"completelyUnrelated": 1}') }))).not.toMatch(/did you mean/);
    expect(load({ GATEHOUSE_CONFIG: fileWith('{"$schema": "./x.json", "trustProxy": "yes"}') }).trustProxy).toBe(true);
  });

  it('config file values are checked even where the environment wins, and never quoted when they may be secret', () => {
    const path = fileWith('{"port": "x"}');
    expect(error(() => load({ GATEHOUSE_CONFIG: path, PORT: '9000' }))).toBe(`config file ${path}: port must be a non-negative number, not "x"`);
    expect(error(() => load({ GATEHOUSE_CONFIG: fileWith('{"trustProxy": {"a": 1}}') }))).toMatch(/trustProxy must be true or false/);
    expect(error(() => load({ GATEHOUSE_CONFIG: fileWith('{"smtpUrl": ["a"]}') }))).toMatch(/smtpUrl must be a text$/);
    expect(error(() => load({ SA_PROVIDERS_OIDC: '[{"clientsecret": "s3cret"' }))).toBe('SA_PROVIDERS_OIDC must be a JSON list');
    const broken = fileWith('{\n  "smtpUrl": "smtp://user:s3cret@host",\n  "port": 80,,\n}');
    const msg = error(() => load({ GATEHOUSE_CONFIG: broken }));
    expect(msg).toBe(`config file ${broken} is not valid JSON (line 3)`);
    expect(error(() => load({ GATEHOUSE_CONFIG: fileWith('[1]') }))).toMatch(/must hold one JSON object of settings/);
    expect(error(() => load({ GATEHOUSE_CONFIG: join(dir, 'missing.json') }))).toMatch(/^cannot read config file .*missing\.json \(no such file or directory\): check GATEHOUSE_CONFIG$/);
  });

  it('overrides (tests, the CLI) are taken as given', () => {
    expect(loadConfig({}, { ...{ dataDir: dir, jwtSecret: 'j', secretKey: 's', simpleCookieSigningKey: 'k' }, port: 0, logLevel: 'silent', databaseUrl: 'sqlite::memory:' }).port).toBe(0);
  });

  it('a data directory that cannot be created fails at once with one line (Node loops forever on /proc/x)', () => {
    const start = Date.now();
    expect(error(() => loadConfig({ GATEHOUSE_DATA_DIR: '/proc/gatehouse-x/y' }))).toBe(
      'cannot create the data directory /proc/gatehouse-x/y (no such file or directory): set GATEHOUSE_DATA_DIR to a writable directory',
    );
    expect(Date.now() - start).toBeLessThan(2000);
  });

  it('the example config file deploy/gatehouse.example.json loads, and docs/configuration.md names every setting and variable', () => {
    const root = join(import.meta.dirname, '..', '..');
    const example = join(root, 'deploy', 'gatehouse.example.json');
    const c = load({ GATEHOUSE_CONFIG: example });
    expect(c.publicUrl).toMatch(/^https:/);
    for (const [id, raw] of Object.entries(c.oauth2Clients)) expect(parseConfigClient(id, raw).clientId).toBe(id);
    const doc = readFileSync(join(root, 'docs', 'configuration.md'), 'utf8');
    const missing = Object.entries(SETTINGS).flatMap(([key, spec]) => [key, spec.env].filter((n) => n && !doc.includes(`\`${n}\``)));
    expect(missing).toEqual([]);
  });
});
