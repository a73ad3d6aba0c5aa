import type { Config } from './index.js';
import type { Spec } from './settings.js';

/** The simple dialect (zix99/simple-auth); environment variables are the original's SA_* names. */
export interface SimpleConfig {
  simpleBaseUrl: string;
  simpleCompany: string;
  simpleRouteOnLogin: string;
  simpleAllowedContinueUrls: string[];
  simpleCookieName: string;
  simpleCookiePath: string;
  simpleCookieDomain: string | undefined;
  simpleCookieSecure: boolean;
  simpleCookieHttpOnly: boolean;
  simpleCookieSigningMethod: string;
  /** HS key (text) or RS key (PEM private key) of the session cookie. */
  simpleCookieSigningKey: string;
  simpleCookieIssuer: string;
  simpleCookieExpiresMinutes: number;
  simpleOnetimeEnabled: boolean;
  simpleOnetimeAllowForgotPassword: boolean;
  /** Seconds; the config accepts Go durations such as `1h`. */
  simpleOnetimeDuration: number;
  simpleCreateAccountEnabled: boolean;
  simpleEmailValidationRequired: boolean;
  simpleUsernameRegex: string;
  simpleUsernameMinLength: number;
  simpleUsernameMaxLength: number;
  simplePasswordMinLength: number;
  simplePasswordMaxLength: number;
  simpleTwoFactorEnabled: boolean;
  simpleTwoFactorKeyLength: number;
  simpleTwoFactorDrift: number;
  simpleTwoFactorIssuer: string;
  simpleAuthEnabled: boolean;
  simpleAuthSecret: string | undefined;
  vouchEnabled: boolean;
  vouchUserHeader: string;
  apiExternal: boolean;
  apiSharedSecret: string;
}

export const SIMPLE_SETTINGS: { [K in keyof SimpleConfig]: Spec<Config> } = {
  simpleBaseUrl: { env: 'SA_WEB_BASEURL', def: (c) => c.publicUrl, kind: 'string' },
  simpleCompany: { env: 'SA_METADATA_COMPANY', def: () => 'Gatehouse', kind: 'string' },
  simpleRouteOnLogin: { env: 'SA_WEB_LOGIN_SETTINGS_ROUTEONLOGIN', def: () => '', kind: 'string' },
  simpleAllowedContinueUrls: { env: 'SA_WEB_LOGIN_SETTINGS_ALLOWEDCONTINUEURLS', def: () => [], kind: 'list' },
  simpleCookieName: { env: 'SA_WEB_LOGIN_COOKIE_NAME', def: () => 'auth', kind: 'string' },
  simpleCookiePath: { env: 'SA_WEB_LOGIN_COOKIE_PATH', def: () => '/', kind: 'string' },
  simpleCookieDomain: { env: 'SA_WEB_LOGIN_COOKIE_DOMAIN', def: () => undefined, kind: 'optional' },
  simpleCookieSecure: { env: 'SA_WEB_LOGIN_COOKIE_SECUREONLY', def: () => false, kind: 'boolean' },
  simpleCookieHttpOnly: { env: 'SA_WEB_LOGIN_COOKIE_HTTPONLY', def: () => true, kind: 'boolean' },
  simpleCookieSigningMethod: { env: 'SA_WEB_LOGIN_COOKIE_JWT_SIGNINGMETHOD', def: () => 'HS256', kind: 'string' },
  simpleCookieSigningKey: { env: 'SA_WEB_LOGIN_COOKIE_JWT_SIGNINGKEY', def: () => '', kind: 'string' },
  simpleCookieIssuer: { env: 'SA_WEB_LOGIN_COOKIE_JWT_ISSUER', def: () => 'simple-auth', kind: 'string' },
  simpleCookieExpiresMinutes: { env: 'SA_WEB_LOGIN_COOKIE_JWT_EXPIRESMINUTES', def: () => 30, kind: 'number' },
  simpleOnetimeEnabled: { env: 'SA_WEB_LOGIN_ONETIME_ENABLED', def: () => true, kind: 'boolean' },
  simpleOnetimeAllowForgotPassword: { env: 'SA_WEB_LOGIN_ONETIME_ALLOWFORGOTPASSWORD', def: () => false, kind: 'boolean' },
  simpleOnetimeDuration: { env: 'SA_WEB_LOGIN_ONETIME_TOKENDURATION', def: () => 3600, kind: 'duration' },
  simpleCreateAccountEnabled: { env: 'SA_PROVIDERS_SETTINGS_CREATEACCOUNTENABLED', def: () => true, kind: 'boolean' },
  simpleEmailValidationRequired: { env: 'SA_PROVIDERS_LOCAL_EMAILVALIDATIONREQUIRED', def: () => false, kind: 'boolean' },
  simpleUsernameRegex: { env: 'SA_PROVIDERS_LOCAL_REQUIREMENTS_USERNAMEREGEX', def: () => '^[a-z][a-z0-9.]+$', kind: 'string' },
  simpleUsernameMinLength: { env: 'SA_PROVIDERS_LOCAL_REQUIREMENTS_USERNAMEMINLENGTH', def: () => 5, kind: 'number' },
  simpleUsernameMaxLength: { env: 'SA_PROVIDERS_LOCAL_REQUIREMENTS_USERNAMEMAXLENGTH', def: () => 20, kind: 'number' },
  simplePasswordMinLength: { env: 'SA_PROVIDERS_LOCAL_REQUIREMENTS_PASSWORDMINLENGTH', def: () => 3, kind: 'number' },
  simplePasswordMaxLength: { env: 'SA_PROVIDERS_LOCAL_REQUIREMENTS_PASSWORDMAXLENGTH', def: () => 30, kind: 'number' },
  simpleTwoFactorEnabled: { env: 'SA_PROVIDERS_LOCAL_TWOFACTOR_ENABLED', def: () => false, kind: 'boolean' },
  simpleTwoFactorKeyLength: { env: 'SA_PROVIDERS_LOCAL_TWOFACTOR_KEYLENGTH', def: () => 12, kind: 'number' },
  simpleTwoFactorDrift: { env: 'SA_PROVIDERS_LOCAL_TWOFACTOR_DRIFT', def: () => 2, kind: 'number' },
  simpleTwoFactorIssuer: { env: 'SA_PROVIDERS_LOCAL_TWOFACTOR_ISSUER', def: () => 'simple-auth', kind: 'string' },
  simpleAuthEnabled: { env: 'SA_AUTHENTICATORS_SIMPLE_ENABLED', def: () => false, kind: 'boolean' },
  simpleAuthSecret: { env: 'SA_AUTHENTICATORS_SIMPLE_SHAREDSECRET', def: () => undefined, kind: 'optional' },
  vouchEnabled: { env: 'SA_AUTHENTICATORS_VOUCH_ENABLED', def: () => false, kind: 'boolean' },
  vouchUserHeader: { env: 'SA_AUTHENTICATORS_VOUCH_USERHEADER', def: () => '', kind: 'string' },
  apiExternal: { env: 'SA_API_EXTERNAL', def: () => false, kind: 'boolean' },
  apiSharedSecret: { env: 'SA_API_SHAREDSECRET', def: () => '', kind: 'string' },
};
