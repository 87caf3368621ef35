export { DIALECTS, STORAGE_DRIVERS } from './contract.js';
export type {
  AnyKysely,
  AnyTransaction,
  Database,
  Dialect,
  Migration,
  MigrationSet,
  OpenDatabaseOptions,
  StorageConfig,
} from './contract.js';
export { openDatabase } from './open-database.js';
export { parseStorageConfig } from './config.js';
export {
  STORAGE_ERROR_CATEGORIES,
  STORAGE_ERROR_CODES,
  StorageError,
  isStorageError,
  redactConnectionString,
} from './errors.js';
export type { StorageConfigIssue, StorageErrorCode } from './errors.js';
export { isDriverError, translateStorageError } from './translate-error.js';
export { MIGRATIONS_TABLE, validateMigrationSet } from './migrator.js';
export { prepareQuery } from './prepared-query.js';
export type { ParamFn, PreparedQuery } from './prepared-query.js';
export { TENANT_COLUMN, scopeToTenant, tenantRow, tenantTable } from './tenant.js';
export type { TenantTables } from './tenant.js';
export {
  readBoolean,
  readEpochMs,
  readJson,
  readOptionalEpochMs,
  withTables,
  writeBoolean,
  writeJson,
} from './columns.js';
