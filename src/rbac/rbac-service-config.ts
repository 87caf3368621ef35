import type { EventBusService, ValidationIssue } from '../events/index.js';
import type { Database } from '../storage/index.js';
import type { Clock } from '../shared/clock.js';
import { RbacError } from './errors.js';
import { decisionLogIssues } from './decision-log.js';
import type { DecisionLogConfig } from './decision-log.js';

/** One permission check, as metrics see it. */
export interface CheckObservation {
  readonly tenantId: string;
  readonly granted: boolean;
  /** The decision's reason (`granted`, `no_matching_permission`, …, or `unknown_tenant`). */
  readonly reason: string;
  /** Time to decide (not to emit), in nanoseconds. */
  readonly durationNs: number;
  /** Whether the user's compiled permission set was already cached. */
  readonly cached: boolean;
}

/** Told about every permission check (metrics attach here; RBAC knows nothing of Prometheus). */
export interface RbacObserver {
  observeCheck(observation: CheckObservation): void;
}

/** What an `RbacService` needs. */
export interface RbacServiceConfig {
  /** Where roles, assignments and entities live (`openDatabase`); RBAC migrates its tables at `init()`. */
  readonly database: Database;
  /** Decisions and changes go to its `rbac` channel; the invalidator subscribes there. */
  readonly bus: EventBusService;
  readonly clock?: Clock;
  /** Default: every decision emitted. */
  readonly decisionLog?: DecisionLogConfig;
  /** Default 2,000 ms: how long a check with `minRevision` waits for it. */
  readonly freshnessTimeoutMs?: number;
  /**
   * The invalidator's consumer name on `rbac`. Default `permission-cache-invalidator`, the
   * spec's named consumer. `null` subscribes anonymously: use that when several instances
   * share one bus (each must see every change; a named consumer is shared between them).
   */
  readonly invalidatorConsumer?: string | null;
  /** Told about every check; must be fast and must not throw (a throw is ignored). */
  readonly observer?: RbacObserver;
  /** Sampling source for `decisionLog.grantedSampleRate`; default `Math.random`. */
  readonly random?: () => number;
}

/** Checks a config at the boundary; every bad field is listed in one `RBAC_CONFIG_INVALID`. */
export function parseRbacServiceConfig(config: RbacServiceConfig): RbacServiceConfig {
  const issues: ValidationIssue[] = [];
  const input: unknown = config;
  const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  if (typeof input !== 'object' || input === null) {
    issues.push({ path: '', reason: 'must be an object' });
  }
  const database = raw['database'] as Partial<Database> | undefined;
  if (typeof database?.transaction !== 'function' || typeof database.migrate !== 'function') {
    issues.push({ path: 'database', reason: 'must be a Database from openDatabase()' });
  }
  const bus = raw['bus'] as Partial<EventBusService> | undefined;
  if (typeof bus?.emit !== 'function' || typeof bus.subscribe !== 'function') {
    issues.push({ path: 'bus', reason: 'must be an EventBusService' });
  }
  const timeout = raw['freshnessTimeoutMs'];
  if (
    timeout !== undefined &&
    (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0)
  ) {
    issues.push({ path: 'freshnessTimeoutMs', reason: 'must be a non-negative number' });
  }
  const consumer = raw['invalidatorConsumer'];
  if (
    consumer !== undefined &&
    consumer !== null &&
    (typeof consumer !== 'string' || consumer === '')
  ) {
    issues.push({ path: 'invalidatorConsumer', reason: 'must be a consumer name or null' });
  }
  const observer = raw['observer'] as Partial<RbacObserver> | undefined;
  if (observer !== undefined && typeof observer.observeCheck !== 'function') {
    issues.push({ path: 'observer', reason: 'must have an observeCheck function' });
  }
  issues.push(...decisionLogIssues(raw['decisionLog'], 'decisionLog'));
  if (issues.length > 0) {
    const summary = issues.map((i) => `${i.path || '(root)'}: ${i.reason}`).join('; ');
    throw new RbacError('RBAC_CONFIG_INVALID', `invalid RBAC config: ${summary}`, {
      details: { issues },
    });
  }
  return config;
}
