import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_PERMISSIONS, AlertService, withAlertChannels } from './alerts/index.js';
import type { AlertNotifier } from './alerts/index.js';
import {
  AuditLiveFeed,
  AuditLogger,
  AuditService,
  AuditStorageService,
  AuditStore,
} from './audit/index.js';
import type { AuditStoreConfig } from './audit/index.js';
import { loadOrCreateSigningKey, signingKeyFrom } from './audit/integrity/signing-key.js';
import { AuthService } from './auth/index.js';
import type { AuthConfig } from './auth/index.js';
import { EventBusService, eventBusConfig } from './events/index.js';
import type { EventBusConfig, EventLog } from './events/index.js';
import { createMetrics } from './metrics/index.js';
import type { WardenMetrics } from './metrics/index.js';
import { RbacService } from './rbac/index.js';
import type { RbacServiceConfig } from './rbac/index.js';
import { systemClock } from './shared/clock.js';
import type { Clock } from './shared/clock.js';
import { openDatabase } from './storage/index.js';
import type { Database, StorageConfig } from './storage/index.js';
import { runWithContext } from './tenancy/index.js';

/** What `createWarden` needs; everything is optional (embedded, in-memory defaults). */
export interface WardenOptions {
  /**
   * Where Warden keeps its files: the event log (`events.db`), the database (`warden.db`)
   * and the audit and token signing keys. Without it the data lives in memory (and the keys
   * in a temporary directory) and is gone at close.
   */
  readonly dataDir?: string;
  /** A database other than the data directory's SQLite file (PostgreSQL in production). */
  readonly storage?: StorageConfig;
  /** The bus's channels; default the spec's, plus what alerts need. */
  readonly bus?: EventBusConfig;
  /** A bus log other than the data directory's (NATS JetStream in a cluster). */
  readonly log?: EventLog;
  readonly clock?: Clock;
  readonly rbac?: Pick<
    RbacServiceConfig,
    'decisionLog' | 'freshnessTimeoutMs' | 'invalidatorConsumer'
  >;
  readonly audit?: Pick<AuditStoreConfig, 'checkpoints' | 'queryBounds' | 'retention'>;
  readonly auth?: Omit<AuthConfig, 'dataDir'>;
  readonly alerts?: { readonly rules?: unknown; readonly notifiers?: readonly AlertNotifier[] };
}

/** A running Warden: every subsystem, wired as the design brief draws them. */
export interface Warden {
  readonly bus: EventBusService;
  readonly database: Database;
  readonly rbac: RbacService;
  readonly auth: AuthService;
  /** Tenant-scoped audit reads (the request context's tenant). */
  readonly audit: AuditService;
  readonly auditStore: AuditStore;
  readonly auditFeed: AuditLiveFeed;
  readonly alerts: AlertService;
  /** Prometheus metrics of this instance (`await warden.metrics.metrics()` is `/metrics`). */
  readonly metrics: WardenMetrics;
  /** Stops the consumers, drains the bus and closes the database. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts Warden in this process: the event bus (with metrics), RBAC, authentication,
 * audit-logger, audit-storage-service, the live audit feed, the alert service and the
 * metrics-service consumer, on an embedded SQLite file in `dataDir` (or in memory).
 *
 * @example
 * const warden = await createWarden({ dataDir: './warden-data' });
 * await warden.rbac.createTenant('acme', { adminUserId: 'admin' });
 */
export async function createWarden(options: WardenOptions = {}): Promise<Warden> {
  const clock = options.clock ?? systemClock;
  const scratch =
    options.dataDir === undefined ? mkdtempSync(join(tmpdir(), 'warden-')) : undefined;
  const keyDir: string = options.dataDir ?? scratch ?? tmpdir();
  const cleanup: (() => Promise<void> | void)[] = [];
  if (scratch !== undefined)
    cleanup.push(() => {
      rmSync(scratch, { recursive: true, force: true });
    });
  const metrics = createMetrics();
  const database = await openDatabase(
    options.storage ?? {
      driver: 'sqlite',
      file: options.dataDir === undefined ? ':memory:' : join(options.dataDir, 'warden.db'),
    },
    { clock },
  );
  cleanup.unshift(() => database.close());
  const notifiers = options.alerts?.notifiers ?? [];
  const bus = new EventBusService(
    withAlertChannels(
      options.bus ?? eventBusConfig,
      notifiers.map((n) => n.name),
    ),
    {
      clock,
      observer: metrics.busObserver(),
      ...(options.log !== undefined
        ? { log: options.log }
        : options.dataDir !== undefined
          ? { dataDir: options.dataDir }
          : {}),
    },
  );
  cleanup.unshift(() => bus.close());
  try {
    metrics.trackBusHealth(bus);
    const metricsSubscription = metrics.subscribeSecurityMetrics(bus);
    await metricsSubscription.ready;
    cleanup.unshift(() => {
      bus.unsubscribe(metricsSubscription);
    });
    const rbac = new RbacService({
      database,
      bus,
      clock,
      observer: metrics.rbacObserver(),
      ...options.rbac,
    });
    await rbac.init();
    cleanup.unshift(() => {
      rbac.close();
    });
    const auth = new AuthService({ ...options.auth, dataDir: keyDir }, { database, bus, clock });
    await auth.init();
    const signingKey =
      scratch === undefined
        ? await loadOrCreateSigningKey(keyDir, { clock })
        : signingKeyFrom(generateKeyPairSync('ed25519').privateKey);
    const auditStore = await AuditStore.open({ database, signingKey, clock, ...options.audit });
    const logger = new AuditLogger({ clock });
    await logger.start(bus);
    cleanup.unshift(() => {
      logger.stop();
    });
    const storageService = new AuditStorageService({ store: auditStore, clock });
    await storageService.start(bus);
    cleanup.unshift(() => {
      storageService.stop();
    });
    const auditFeed = new AuditLiveFeed();
    await auditFeed.start(bus);
    cleanup.unshift(() => {
      auditFeed.stop();
    });
    const alerts = new AlertService({
      bus,
      database,
      clock,
      notifiers,
      rules: options.alerts?.rules,
      // A role is an admin role when it carries an admin permission (not only by its id).
      isAdminRole: ({ tenantId, roleId }) =>
        runWithContext({ tenantId }, async () =>
          (await rbac.rolePermissions(roleId)).some((p) => ADMIN_PERMISSIONS.includes(p)),
        ),
    });
    await alerts.init();
    cleanup.unshift(() => {
      alerts.close();
    });
    const stopAll = async () => {
      // Drain what was accepted first, then stop consumers, close the bus and the database.
      await bus.drain();
      for (const step of cleanup) await step();
    };
    let closed: Promise<void> | undefined;
    return {
      bus,
      database,
      rbac,
      auth,
      audit: new AuditService({ store: auditStore, bus, clock }),
      auditStore,
      auditFeed,
      alerts,
      metrics,
      close: () => (closed ??= stopAll()),
    };
  } catch (error) {
    for (const step of cleanup) await step();
    throw error;
  }
}
