export { AuthService } from './auth-service.js';
export type { AuthServiceOptions } from './auth-service.js';
export type { TokenSet } from './auth-core.js';
export type { CreateUserInput, UserView } from './accounts.js';
export type { LoginInput } from './login.js';
export type { MfaEnrolment } from './mfa.js';
export type { AccessTokenClaims } from './access-tokens.js';
export { ACCESS_TOKEN_ALGORITHM, MAX_TOKEN_LENGTH } from './access-tokens.js';
export type { ExternalIdentity } from './oidc.js';
export { parseAuthConfig, MIN_ARGON2 } from './config.js';
export type { AuthConfig, ResolvedAuthConfig, Argon2Params, OidcProviderConfig } from './config.js';
export { AuthError, AUTH_ERROR_CODES, AUTH_ERROR_CATEGORIES } from './errors.js';
export type { AuthErrorCode } from './errors.js';
export {
  SECURITY_CHANNEL,
  SECURITY_EVENT_TYPES,
  LOGIN_FAILURE_REASONS,
  AUTH_EVENT_SOURCE,
} from './security-events.js';
export type {
  SecurityEventData,
  SecurityEventType,
  LoginFailureReason,
} from './security-events.js';
export { parseUserAgent } from './user-agent.js';
export type { DeviceInfo } from './user-agent.js';
export { PASSWORD_RULES } from './password-policy.js';
export type { PasswordRule } from './password-policy.js';
export type { PublicJwk } from './signing-keys.js';
export { AUTH_SIGNING_KEY_FILE } from './signing-keys.js';
export { totpCode, otpauthUri } from './totp.js';

// ---- For storage and operators ----
export { authMigrations } from './auth-migrations.js';
export type { AuthTables } from './auth-tables.js';
