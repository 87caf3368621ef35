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

/** Shared by a dialect and its driver: set once the database is closed. */
interface ClosedState {
  closed: boolean;
  readonly error: () => StorageError;
}

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
  readonly #state: ClosedState;

  constructor(inner: Driver, translate: ErrorTranslator, state: ClosedState) {
    this.#inner = inner;
    this.#translate = translate;
    this.#state = state;
  }

  init(): Promise<void> {
    if (this.#state.closed) return Promise.reject(this.#state.error());
    return this.#run(() => this.#inner.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#state.closed) throw this.#state.error();
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

/**
 * A Kysely dialect whose driver translates every failure (see {@link TranslatingDriver}).
 * `close()` replaces `kysely.destroy()`: after it, queries fail with the `closed` error
 * (`STORAGE_CLOSED`) instead of Kysely's plain "driver has already been destroyed".
 */
export class TranslatingDialect implements Dialect {
  readonly #inner: Dialect;
  readonly #translate: ErrorTranslator;
  readonly #state: ClosedState;
  #driver: TranslatingDriver | undefined;

  constructor(inner: Dialect, translate: ErrorTranslator, closed: () => StorageError) {
    this.#inner = inner;
    this.#translate = translate;
    this.#state = { closed: false, error: closed };
  }

  createDriver(): Driver {
    this.#driver = new TranslatingDriver(this.#inner.createDriver(), this.#translate, this.#state);
    return this.#driver;
  }

  /** Refuses further queries and releases the driver's connections (idempotent). */
  async close(): Promise<void> {
    if (this.#state.closed) return;
    this.#state.closed = true;
    await this.#driver?.destroy();
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
