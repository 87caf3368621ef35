import type {
  CompiledQuery,
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from 'kysely';
import type { AnyKysely } from './contract.js';
import type { StorageError } from './errors.js';

/** Turns a driver error into a `StorageError` (a backend's `translate…Error`). */
export type ErrorTranslator = (error: unknown) => StorageError;

/** A connection whose every failure comes out translated. */
class TranslatingConnection implements DatabaseConnection {
  readonly inner: DatabaseConnection;
  readonly #translate: ErrorTranslator;

  constructor(inner: DatabaseConnection, translate: ErrorTranslator) {
    this.inner = inner;
    this.#translate = translate;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.inner.executeQuery<R>(compiledQuery);
    } catch (error) {
      throw this.#translate(error);
    }
  }

  async *streamQuery<R>(
    compiledQuery: CompiledQuery,
    chunkSize?: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(compiledQuery, chunkSize);
    } catch (error) {
      throw this.#translate(error);
    }
  }
}

/** The backend's connection, for the backend's own driver (pg's needs its private release). */
function unwrap(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof TranslatingConnection ? connection.inner : connection;
}

/**
 * Wraps a Kysely driver so that connecting, every query and every transaction step fail
 * with `StorageError`s: a module running a plain Kysely query catches `STORAGE_CONFLICT` on
 * SQLite and PostgreSQL alike, without calling `translateStorageError` itself.
 */
class TranslatingDriver implements Driver {
  readonly #inner: Driver;
  readonly #translate: ErrorTranslator;

  constructor(inner: Driver, translate: ErrorTranslator) {
    this.#inner = inner;
    this.#translate = translate;
  }

  init(): Promise<void> {
    return this.#run(() => this.#inner.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.#run(() => this.#inner.acquireConnection());
    return new TranslatingConnection(connection, this.#translate);
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#run(() => this.#inner.beginTransaction(unwrap(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#run(() => this.#inner.commitTransaction(unwrap(connection)));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#run(() => this.#inner.rollbackTransaction(unwrap(connection)));
  }

  savepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.#run(async () => {
      await this.#inner.savepoint?.(unwrap(connection), name, compile);
    });
  }

  rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.#run(async () => {
      await this.#inner.rollbackToSavepoint?.(unwrap(connection), name, compile);
    });
  }

  releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.#run(async () => {
      await this.#inner.releaseSavepoint?.(unwrap(connection), name, compile);
    });
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.#run(() => this.#inner.releaseConnection(unwrap(connection)));
  }

  destroy(): Promise<void> {
    return this.#run(() => this.#inner.destroy());
  }

  async #run<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      throw this.#translate(error);
    }
  }
}

/** A Kysely dialect whose driver translates every failure (see {@link TranslatingDriver}). */
export class TranslatingDialect implements Dialect {
  readonly #inner: Dialect;
  readonly #translate: ErrorTranslator;

  constructor(inner: Dialect, translate: ErrorTranslator) {
    this.#inner = inner;
    this.#translate = translate;
  }

  createDriver(): Driver {
    return new TranslatingDriver(this.#inner.createDriver(), this.#translate);
  }

  createQueryCompiler(): QueryCompiler {
    return this.#inner.createQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return this.#inner.createAdapter();
  }

  createIntrospector(db: AnyKysely): DatabaseIntrospector {
    return this.#inner.createIntrospector(db);
  }
}
