import { collectDefaultMetrics, Registry } from 'prom-client';
import type { BusObserver, Subscription, ValidationIssue } from '../events/index.js';
import { AuditMetrics } from './audit-metrics.js';
import type { AuditMetricsObserver } from './audit-metrics.js';
import { BusHealthMetrics } from './bus-health-metrics.js';
import type { BusHealthSource } from './bus-health-metrics.js';
import { BusMetrics } from './bus-metrics.js';
import { MetricsError } from './errors.js';
import { LabelBudget } from './label-budget.js';
import type { LabelLimits } from './label-budget.js';
import { RbacMetrics } from './rbac-metrics.js';
import type { RbacObserver } from '../rbac/index.js';
import { SecurityMetrics } from './security-metrics.js';
import type { SecurityEventSource } from './security-metrics.js';

export interface MetricsConfig {
  /** Where the metrics are registered. Default: a new `Registry`, never prom-client's global one. */
  readonly registry?: Registry;
  /** prom-client's process and Node.js metrics (`process_*`, `nodejs_*`). Default true. */
  readonly defaultMetrics?: boolean;
  /** Distinct `channel` label values (default 64); later channels are labelled `_other`. */
  readonly maxChannels?: number;
  /** Distinct `consumer` label values per channel (default 32); later ones are `_other`. */
  readonly maxConsumersPerChannel?: number;
}

const DEFAULT_LIMITS: LabelLimits = { maxChannels: 64, maxConsumersPerChannel: 32 };

/**
 * One Warden instance's Prometheus metrics: the bus, RBAC, auth, audit and process defaults,
 * in a registry of its own (two instances in one process never collide). Labels are channels,
 * consumers, outcomes and reasons only, never tenant or user ids.
 *
 * @example
 * const metrics = createMetrics();
 * const bus = new EventBusService(eventBusConfig, { observer: metrics.busObserver() });
 * metrics.trackBusHealth(bus);
 * metrics.subscribeSecurityMetrics(bus);
 * reply.type(metrics.contentType).send(await metrics.metrics());
 */
export class WardenMetrics {
  readonly #registry: Registry;
  readonly #bus: BusMetrics;
  readonly #busHealth: BusHealthMetrics;
  readonly #rbac: RbacMetrics;
  readonly #security: SecurityMetrics;
  readonly #audit: AuditMetrics;

  /** Use `createMetrics`. */
  constructor(registry: Registry, limits: LabelLimits, defaultMetrics: boolean) {
    this.#registry = registry;
    const labels = new LabelBudget(limits);
    this.#bus = new BusMetrics(registry, labels);
    this.#busHealth = new BusHealthMetrics(registry, labels);
    this.#rbac = new RbacMetrics(registry);
    this.#security = new SecurityMetrics(registry);
    this.#audit = new AuditMetrics(registry);
    if (defaultMetrics) collectDefaultMetrics({ register: registry });
  }

  /** The registry holding every metric of this instance. */
  get registry(): Registry {
    return this.#registry;
  }

  /** The `Content-Type` of `metrics()` (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.#registry.contentType;
  }

  /** For `EventBusService`'s `observer` option. The same function on every call. */
  busObserver(): BusObserver {
    return this.#bus.observer;
  }

  /** Lag, in-flight, breaker and queue gauges are read from `source.health()` at each scrape. */
  trackBusHealth(source: BusHealthSource): void {
    this.#busHealth.track(source);
  }

  /** For `RbacServiceConfig.observer`. The same object on every call. */
  rbacObserver(): RbacObserver {
    return this.#rbac;
  }

  /** For the audit storage service (appends) and whoever runs `verify`. The same object each call. */
  auditObserver(): AuditMetricsObserver {
    return this.#audit;
  }

  /**
   * Counts logins, lockouts and MFA failures from `security` as the named consumer
   * `metrics-service`. Call once per bus.
   * @throws WardenError `BUS_CONSUMER_TAKEN` if `metrics-service` is already subscribed there.
   */
  subscribeSecurityMetrics(bus: SecurityEventSource): Subscription {
    return this.#security.subscribe(bus);
  }

  /** The exposition text `/metrics` serves. */
  metrics(): Promise<string> {
    return this.#registry.metrics();
  }
}

/**
 * Creates an instance's metrics.
 * @throws MetricsError `METRICS_CONFIG_INVALID` for bad limits, or a registry that already
 * holds Warden's metric names.
 */
export function createMetrics(config: MetricsConfig = {}): WardenMetrics {
  const limits = parseConfig(config);
  const registry = config.registry ?? new Registry();
  return new WardenMetrics(registry, limits, config.defaultMetrics ?? true);
}

function parseConfig(config: MetricsConfig): LabelLimits {
  const issues: ValidationIssue[] = [];
  const limit = (key: keyof LabelLimits): number => {
    const value: unknown = config[key] ?? DEFAULT_LIMITS[key];
    if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 10_000) {
      return value;
    }
    issues.push({ path: key, reason: 'must be an integer from 1 to 10000' });
    return DEFAULT_LIMITS[key];
  };
  const limits: LabelLimits = {
    maxChannels: limit('maxChannels'),
    maxConsumersPerChannel: limit('maxConsumersPerChannel'),
  };
  issues.push(...registryIssues(config.registry, config.defaultMetrics ?? true));
  if (issues.length > 0) {
    const summary = issues.map((i) => `${i.path}: ${i.reason}`).join('; ');
    throw new MetricsError('METRICS_CONFIG_INVALID', `invalid metrics config: ${summary}`, {
      issues,
    });
  }
  return limits;
}

/** Checked up front, so that a refused config leaves the caller's registry untouched. */
function registryIssues(registry: unknown, defaultMetrics: boolean): ValidationIssue[] {
  if (registry === undefined) return [];
  if (!(registry instanceof Registry)) {
    return [{ path: 'registry', reason: 'must be a prom-client Registry' }];
  }
  if (registry.getSingleMetric('warden_bus_events_emitted_total') !== undefined) {
    return [{ path: 'registry', reason: "already holds another instance's Warden metrics" }];
  }
  if (defaultMetrics && registry.getSingleMetric('process_cpu_user_seconds_total') !== undefined) {
    return [{ path: 'defaultMetrics', reason: 'the registry already collects them: pass false' }];
  }
  return [];
}
