import { expect, it } from 'vitest';
import { describeDb } from '../../support/server.js';
import { parseConfigClient } from '../../../src/core/oauth2/index.js';
import { CLIENTS, REDIRECT } from './fixtures.js';

/**
 * OAuth2 clients of the configuration file: validated strictly, so that a bad client stops the
 * server at startup.
 */

await describeDb('simple dialect: OAuth2 provider', () => {
  it('configuration clients are validated strictly', () => {
    expect(() => parseConfigClient('x', { ...CLIENTS.testid, oidc: { signingmethod: 'XX256', signingkey: 'k' } })).toThrow(/oauth2Clients\.x: oidc: unsupported signing method/);
    expect(() => parseConfigClient('x', { ...CLIENTS.testid, oidc: { signingmethod: 'RS256', signingkey: 'not a pem' } })).toThrow(/oauth2Clients\.x: oidc: RS256 needs a PEM/);
    expect(() => parseConfigClient('x', { ...CLIENTS.testid, bogus: 1 })).toThrow(/unknown key bogus/);
    expect(() => parseConfigClient('x', { ...CLIENTS.testid, tokenexpiresseconds: '5' })).toThrow(/tokenexpiresseconds/);
    expect(() => parseConfigClient('x', { ...CLIENTS.testid, scopes: 'a b' })).toThrow(/scopes/);
    expect(parseConfigClient('x', CLIENTS.noreuse).redirectUris).toEqual([REDIRECT, 'http://other.example.com/cb']);
  });
});
