import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import {
  AuditLiveFeed,
  AuditLogger,
  AuditService,
  AuditStorageService,
  AuditStore,
} from './audit/index.js';
import type { AuditStoreConfig } from './audit/index.js';
import { loadOrCreateSigningKey } from './audit/integrity/signing-key.js';
import { signingKeyFrom } from './audit/integrity/signing-key.js';
import { EventBusService, eventBusConfig } from './events/index.js';
import type { EventBusConfig, EventLog } from './events/index.js';
import { RbacService } from './rbac/index.js';
import type { RbacServiceConfig } from './rbac/index.js';
import { systemClock } from './shared/clock.js';
import type { Clock } from './shared/clock.js';
import { openDatabase } from './storage/index.js';
import type { Database, StorageConfig } from './storage/index.js';

/** What `createWarden` needs; everything is optional (embedded, in-memory defaults). */
export interface WardenOptions {
  /**
   * Where Warden keeps its files: the event log (`events.db`), the database (`warden.db`)
   * and the audit signing key. Without it everything lives in memory and is gone at close.
   */
  readonly dataDir?: string;
  /** A database other than the data directory's SQLite file (PostgreSQL in production). */
  readonly storage?: StorageConfig;
  /** The bus's channels; default the spec's, with the consumers Warden runs today. */
  readonly bus?: EventBusConfig;
  /** A bus log other than the data directory's (NATS JetStream in a cluster). */
  readonly log?: EventLog;
  readonly clock?: Clock;
  readonly rbac?: Pick<
    RbacServiceConfig,
    'decisionLog' | 'freshnessTimeoutMs' | 'invalidatorConsumer'
  >;
  readonly audit?: Pick<AuditStoreConfig, 'checkpoints' | 'queryBounds' | 'retention'>;
}

/** A running Warden: the bus, RBAC and the audit trail, wired as the design brief draws them. */
export interface Warden {
  readonly bus: EventBusService;
  readonly database: Database;
  readonly rbac: RbacService;
  /** Tenant-scoped audit reads (the request context's tenant). */
  readonly audit: AuditService;
  readonly auditStore: AuditStore;
  readonly auditFeed: AuditLiveFeed;
  /** Stops the consumers, drains the bus and closes the database. Idempotent. */
  close(): Promise<void>;
}

/**
 * The spec's channel config without the consumers that do not run yet (`metrics-service`,
 * `alert-service`: issue 8). A declared consumer that never subscribes makes its channel keep
 * every event for it, and producers stall once `bufferSize` events wait.
 */
export const runningConsumersConfig: EventBusConfig = {
  ...eventBusConfig,
  channels: Object.fromEntries(
    Object.entries(eventBusConfig.channels).map(([name, channel]) => [
      name,
      {
        ...channel,
        consumers: channel.consumers.filter(
          (c) => c !== 'metrics-service' && c !== 'alert-service',
        ),
      },
    ]),
  ),
};

/**
 * Starts Warden in this process: the event bus, RBAC, audit-logger, audit-storage-service
 * and the live audit feed, on an embedded SQLite file in `dataDir` (or in memory).
 *
 * @example
 * const warden = await createWarden({ dataDir: './warden-data' });
 * await warden.rbac.createTenant('acme', { adminUserId: 'admin' });
 */
export async function createWarden(options: WardenOptions = {}): Promise<Warden> {
  const clock = options.clock ?? systemClock;
  const { dataDir } = options;
  const storage: StorageConfig = options.storage ?? {
    driver: 'sqlite',
    file: dataDir === undefined ? ':memory:' : join(dataDir, 'warden.db'),
  };
  const database = await openDatabase(storage, { clock });
  const bus = new EventBusService(options.bus ?? runningConsumersConfig, {
    clock,
    ...(options.log !== undefined
      ? { log: options.log }
      : dataDir !== undefined
        ? { dataDir }
        : {}),
  });
  try {
    const signingKey =
      dataDir === undefined
        ? signingKeyFrom(generateKeyPairSync('ed25519').privateKey)
        : await loadOrCreateSigningKey(dataDir, { clock });
    const rbac = new RbacService({ database, bus, clock, ...options.rbac });
    await rbac.init();
    const auditStore = await AuditStore.open({ database, signingKey, clock, ...options.audit });
    const logger = new AuditLogger({ clock });
    await logger.start(bus);
    const storageService = new AuditStorageService({ store: auditStore, clock });
    await storageService.start(bus);
    const auditFeed = new AuditLiveFeed();
    await auditFeed.start(bus);
    let closed: Promise<void> | undefined;
    return {
      bus,
      database,
      rbac,
      audit: new AuditService({ store: auditStore, bus, clock }),
      auditStore,
      auditFeed,
      close: () =>
        (closed ??= (async () => {
          await bus.drain();
          storageService.stop();
          auditFeed.stop();
          logger.stop();
          rbac.close();
          await bus.close();
          await database.close();
        })()),
    };
  } catch (error) {
    await bus.close();
    await database.close();
    throw error;
  }
}
