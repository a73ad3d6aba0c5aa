import type { Config } from './index.js';
import type { Spec } from './settings.js';

/** The OAuth2 authorization server (simple-auth's oauth2 authenticator settings). */
export interface OAuth2Config {
  oauth2WebGrant: boolean;
  oauth2CodeExpiresSeconds: number;
  oauth2TokenExpiresSeconds: number;
  oauth2CodeLength: number;
  oauth2AllowAutoGrant: boolean;
  oauth2ReuseToken: boolean;
  oauth2AllowCredentials: boolean;
  oauth2AllowClientCredentials: boolean;
  oauth2Issuer: string;
  oauth2IssueRefreshToken: boolean;
  oauth2RevokeOldTokens: boolean;
  /** OAuth2 clients keyed by client_id, in the original's shape (config file only). */
  oauth2Clients: Record<string, unknown>;
}

export const OAUTH2_SETTINGS: { [K in keyof OAuth2Config]: Spec<Config> } = {
  oauth2WebGrant: { env: 'SA_AUTHENTICATORS_OAUTH2_WEBGRANT', def: () => true, kind: 'boolean' },
  oauth2CodeExpiresSeconds: { env: 'SA_AUTHENTICATORS_OAUTH2_SETTINGS_CODEEXPIRESSECONDS', def: () => 60, kind: 'number' },
  oauth2TokenExpiresSeconds: { env: 'SA_AUTHENTICATORS_OAUTH2_SETTINGS_TOKENEXPIRESSECONDS', def: () => 21600, kind: 'number' },
  oauth2CodeLength: { env: 'SA_AUTHENTICATORS_OAUTH2_SETTINGS_CODELENGTH', def: () => 6, kind: 'number' },
  oauth2AllowAutoGrant: { env: 'SA_AUTHENTICATORS_OAUTH2_SETTINGS_ALLOWAUTOGRANT', def: () => true, kind: 'boolean' },
  oauth2ReuseToken: { env: 'SA_AUTHENTICATORS_OAUTH2_SETTINGS_REUSETOKEN', def: () => true, kind: 'boolean' },
  oauth2AllowCredentials: { env: 'SA_AUTHENTICATORS_OAUTH2_SETTINGS_ALLOWCREDENTIALS', def: () => false, kind: 'boolean' },
  oauth2AllowClientCredentials: { env: 'SA_AUTHENTICATORS_OAUTH2_SETTINGS_ALLOWCLIENTCREDENTIALS', def: () => false, kind: 'boolean' },
  oauth2Issuer: { env: 'SA_AUTHENTICATORS_OAUTH2_SETTINGS_ISSUER', def: () => 'simple-auth', kind: 'string' },
  oauth2IssueRefreshToken: { env: 'SA_AUTHENTICATORS_OAUTH2_SETTINGS_ISSUEREFRESHTOKEN', def: () => false, kind: 'boolean' },
  oauth2RevokeOldTokens: { env: 'SA_AUTHENTICATORS_OAUTH2_SETTINGS_REVOKEOLDTOKENS', def: () => true, kind: 'boolean' },
  oauth2Clients: { env: '', def: () => ({}), kind: 'object' },
};
