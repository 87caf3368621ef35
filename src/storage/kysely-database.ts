import type { Clock } from '../shared/clock.js';
import type { AnyKysely, AnyTransaction, Database, Dialect, MigrationSet } from './contract.js';
import { databaseClosed } from './errors.js';
import { runMigrations } from './migrator.js';
import type { MigrationLock } from './migrator.js';

/** What a backend hands the shared {@link KyselyDatabase}. */
export interface KyselyDatabaseParts {
  readonly dialect: Dialect;
  readonly kysely: AnyKysely;
  readonly clock: Clock;
  /** Names the database in messages, without secrets (`SQLite /var/warden.db`). */
  readonly label: string;
  readonly migrationLock: MigrationLock;
  /** Refuses further queries (`STORAGE_CLOSED`) and releases the connections. */
  readonly release: () => Promise<void>;
}

/** The dialect-independent half of a {@link Database}: migrations, transactions, close. */
export class KyselyDatabase implements Database {
  readonly dialect: Dialect;
  readonly kysely: AnyKysely;
  readonly #parts: KyselyDatabaseParts;
  #closing: Promise<void> | undefined;

  constructor(parts: KyselyDatabaseParts) {
    this.#parts = parts;
    this.dialect = parts.dialect;
    this.kysely = parts.kysely;
  }

  async migrate(set: MigrationSet): Promise<void> {
    this.#assertOpen();
    const { kysely, dialect, clock, migrationLock } = this.#parts;
    await runMigrations(kysely, dialect, set, clock, migrationLock);
  }

  async transaction<T>(fn: (trx: AnyTransaction) => Promise<T>): Promise<T> {
    this.#assertOpen();
    return this.kysely.transaction().execute(fn);
  }

  close(): Promise<void> {
    this.#closing ??= this.#parts.release();
    return this.#closing;
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) throw databaseClosed(this.#parts.label, this.dialect);
  }
}
