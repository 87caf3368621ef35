import { createEventFactory } from '../events/index.js';
import type { BaseEvent, DomainEvent, EventBusService, Subscription } from '../events/index.js';
import type { Clock } from '../shared/clock.js';
import { systemClock } from '../shared/clock.js';
import type { Database } from '../storage/index.js';
import {
  ALERT_DELIVERY_CHANNEL,
  ALERT_OUTPUT_CHANNEL,
  ALERT_SERVICE_CONSUMER,
  ALERT_SOURCE_CHANNELS,
  notifierConsumer,
} from './alert-channels.js';
import { AlertEngine } from './alert-engine.js';
import type { AlertEngineStats, EvaluatedEvent, RaisedAlert } from './alert-engine.js';
import { parseRaisedAlert } from './alert-event.js';
import { AlertStore } from './alert-store.js';
import type { AlertPage, AlertQuery, StoredAlert } from './alert-store.js';
import { alertMigrations } from './alert-tables.js';
import { ALERT_ERROR_CODES, issuesError } from './errors.js';
import { defaultAlertRules } from './default-rules.js';
import type { AlertNotifier } from './notifiers.js';
import { isNotifierName } from './notifiers.js';
import { parseRules } from './parse-rules.js';

/** Permissions that make a role an admin role for the privilege escalation rule. */
export const ADMIN_PERMISSIONS: readonly string[] = Object.freeze(['*:*', 'rbac:*']);

/** What an `rbac.role_change` assignment names, for {@link AdminRoleLookup}. */
export interface RoleAssignmentFacts {
  readonly tenantId: string;
  readonly roleId: string;
  /** `data.targetUserId`, when present. */
  readonly targetUserId?: string;
  /** `data.context.entityId` (the assignment's entity), when present. */
  readonly entityId?: string;
}

/**
 * Decides whether the assigned role carries admin permissions ({@link ADMIN_PERMISSIONS}).
 * For example, through RBAC: `runWithContext({ tenantId }, async () => (await
 * rbac.effectivePermissions(targetUserId)).some((p) => p.roleId === roleId &&
 * ADMIN_PERMISSIONS.includes(p.permission)))`.
 */
export type AdminRoleLookup = (facts: RoleAssignmentFacts) => boolean | Promise<boolean>;

export interface AlertServiceConfig {
  readonly bus: EventBusService;
  readonly database: Database;
  readonly clock?: Clock;
  /** Validated at construction (`ALERT_RULE_INVALID`). Default {@link defaultAlertRules}. */
  readonly rules?: unknown;
  /** Each runs as consumer `alert-notifier-<name>` on the `alerts` channel. Default none. */
  readonly notifiers?: readonly AlertNotifier[];
  /**
   * Sets `enrichment.adminRole` on `rbac.role_change` events (used by the privilege
   * escalation rule). Default: the role id is one of `adminRoleIds`. Wire it to RBAC to read
   * the role's permissions; a throw retries the event.
   */
  readonly isAdminRole?: AdminRoleLookup;
  /** Default `['tenant-admin']`, the `*:*` role every tenant is created with. */
  readonly adminRoleIds?: readonly string[];
  /** Tenant of alerts from events without a tenant (the bus's own). Default `system`. */
  readonly systemTenantId?: string;
  /** See {@link AlertEngineConfig}. Default 10 000. */
  readonly maxGroupsPerRule?: number;
  /** Channels read. Default `security`, `rbac`, `system`. */
  readonly sourceChannels?: readonly string[];
}

/** Evaluations kept for redelivery after a failed publish, so a retried event is not counted twice. */
const MAX_PENDING = 1_000;

/**
 * The `alert-service` consumer. Reads the source channels (ignoring `alert.*` events, so it
 * never feeds on itself), runs the rules engine, and for each alert: stores it (idempotent
 * by alert id), emits `alert.raised` on `security` (so it is audited) and on the `alerts`
 * delivery channel for notifiers. A failure at any step throws, and the bus redelivers; the
 * alert id, the store and the emit idempotency key make the repeat harmless. Alerts about
 * the delivery channel's own dead letters or breakers are stored and audited but not sent
 * to notifiers (a failing webhook would otherwise alert about itself forever).
 *
 * @example
 * const alerts = new AlertService({ bus, database, notifiers: [createLogNotifier(console.log)] });
 * await alerts.init();
 * const page = await alerts.list('acme', { status: 'open' });
 */
export class AlertService {
  readonly #bus: EventBusService;
  readonly #database: Database;
  readonly #engine: AlertEngine;
  readonly #store: AlertStore;
  readonly #notifiers: readonly AlertNotifier[];
  readonly #isAdminRole: AdminRoleLookup;
  readonly #sourceChannels: readonly string[];
  readonly #createEvent: ReturnType<typeof createEventFactory>;
  readonly #pending = new Map<string, readonly RaisedAlert[]>();
  readonly #subscriptions: Subscription[] = [];
  #initialised: Promise<void> | undefined;

  /** @throws AlertError `ALERT_RULE_INVALID`, `ALERT_CONFIG_INVALID`. */
  constructor(config: AlertServiceConfig) {
    const clock = config.clock ?? systemClock;
    const rules = parseRules(config.rules ?? defaultAlertRules());
    this.#notifiers = checkNotifiers(config.notifiers ?? []);
    this.#bus = config.bus;
    this.#database = config.database;
    this.#engine = new AlertEngine({
      rules,
      clock,
      ...(config.systemTenantId === undefined ? {} : { systemTenantId: config.systemTenantId }),
      ...(config.maxGroupsPerRule === undefined
        ? {}
        : { maxGroupsPerRule: config.maxGroupsPerRule }),
    });
    this.#store = new AlertStore(config.database, clock);
    const adminRoles = new Set(config.adminRoleIds ?? ['tenant-admin']);
    this.#isAdminRole = config.isAdminRole ?? ((facts) => adminRoles.has(facts.roleId));
    this.#sourceChannels = config.sourceChannels ?? ALERT_SOURCE_CHANNELS;
    this.#createEvent = createEventFactory({ clock });
  }

  /** Migrates the alert table and subscribes the consumers. Idempotent. */
  init(): Promise<void> {
    this.#initialised ??= this.#init();
    return this.#initialised;
  }

  /** Unsubscribes (named consumers keep their position). Idempotent. */
  close(): void {
    for (const subscription of this.#subscriptions.splice(0)) subscription.unsubscribe();
  }

  /** The tenant's alerts, newest first. @throws AlertError `ALERT_QUERY_INVALID`. */
  list(tenantId: string, query?: AlertQuery): Promise<AlertPage> {
    return this.#store.list(tenantId, query);
  }

  /** @throws AlertError `ALERT_NOT_FOUND` when the tenant has no such alert. */
  get(tenantId: string, alertId: string): Promise<StoredAlert> {
    return this.#store.get(tenantId, alertId);
  }

  /**
   * Acknowledges the tenant's alert as `userId` (the first acknowledgement is kept) and
   * emits `alert.acknowledged` on `security` for the audit trail.
   * @throws AlertError `ALERT_NOT_FOUND` when the tenant has no such alert.
   */
  async acknowledge(tenantId: string, alertId: string, userId: string): Promise<StoredAlert> {
    const alert = await this.#store.acknowledge(tenantId, alertId, userId);
    const event = this.#createEvent({
      type: 'alert.acknowledged',
      source: ALERT_SERVICE_CONSUMER,
      data: { alertId, ruleId: alert.ruleId, userId, resource: 'alert', resourceId: alertId },
      metadata: { tenantId, user: userId },
    });
    await this.#bus.emitWithGuarantee(ALERT_OUTPUT_CHANNEL, event);
    return alert;
  }

  stats(): AlertEngineStats {
    return this.#engine.stats();
  }

  async #init(): Promise<void> {
    await this.#database.migrate(alertMigrations);
    for (const channel of this.#sourceChannels) {
      const subscription = this.#bus.subscribe(channel, (event) => this.#handle(channel, event), {
        consumer: ALERT_SERVICE_CONSUMER,
        filter: (event) => !event.type.startsWith('alert.'),
      });
      this.#subscriptions.push(subscription);
    }
    for (const notifier of this.#notifiers) {
      const subscription = this.#bus.subscribe(
        ALERT_DELIVERY_CHANNEL,
        (event) => notifier.notify(parseRaisedAlert(event)),
        { consumer: notifierConsumer(notifier.name) },
      );
      this.#subscriptions.push(subscription);
    }
    await Promise.all(this.#subscriptions.map((s) => s.ready));
  }

  async #handle(channel: string, event: BaseEvent): Promise<void> {
    if (event.type.startsWith('alert.')) return;
    const key = `${channel}\n${event.id}`;
    let alerts = this.#pending.get(key);
    if (alerts === undefined) {
      alerts = this.#engine.evaluate(await this.#enrich(event));
      if (alerts.length === 0) return;
      this.#remember(key, alerts);
    }
    for (const alert of alerts) await this.#publish(alert, event);
    this.#pending.delete(key);
  }

  async #enrich(event: BaseEvent): Promise<EvaluatedEvent> {
    if (event.type !== 'rbac.role_change') return event;
    const facts = roleAssignmentFacts(event);
    if (facts === undefined) return event;
    return { ...event, enrichment: { adminRole: await this.#isAdminRole(facts) } };
  }

  async #publish(alert: RaisedAlert, trigger: BaseEvent): Promise<void> {
    await this.#store.insert(alert);
    const event = this.#createEvent({
      id: alert.id,
      type: 'alert.raised',
      source: ALERT_SERVICE_CONSUMER,
      data: { ...alert, resource: 'alert', resourceId: alert.id },
      metadata: { tenantId: alert.tenantId },
    });
    const options = { priority: 'high' as const, idempotencyKey: `alert:${alert.id}` };
    await this.#bus.emitWithGuarantee(ALERT_OUTPUT_CHANNEL, event, options);
    if (this.#notifiers.length > 0 && !isAboutDelivery(trigger))
      await this.#bus.emitWithGuarantee(ALERT_DELIVERY_CHANNEL, event, options);
  }

  #remember(key: string, alerts: readonly RaisedAlert[]): void {
    if (this.#pending.size >= MAX_PENDING) {
      const oldest = this.#pending.keys().next();
      if (oldest.done !== true) this.#pending.delete(oldest.value);
    }
    this.#pending.set(key, alerts);
  }
}

function roleAssignmentFacts(event: BaseEvent): RoleAssignmentFacts | undefined {
  const { data, metadata } = event as DomainEvent<Record<string, unknown> | undefined>;
  const tenantId: unknown = metadata?.tenantId;
  const roleId = data?.['roleId'];
  if (typeof tenantId !== 'string' || typeof roleId !== 'string') return undefined;
  const targetUserId = data?.['targetUserId'];
  const context = data?.['context'];
  const entityId =
    typeof context === 'object' && context !== null
      ? (context as Record<string, unknown>)['entityId']
      : undefined;
  return {
    tenantId,
    roleId,
    ...(typeof targetUserId === 'string' ? { targetUserId } : {}),
    ...(typeof entityId === 'string' ? { entityId } : {}),
  };
}

function isAboutDelivery(event: BaseEvent): boolean {
  if (!event.type.startsWith('system.')) return false;
  const data = (event as DomainEvent<unknown>).data;
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as { channel?: unknown }).channel === ALERT_DELIVERY_CHANNEL
  );
}

function checkNotifiers(notifiers: readonly AlertNotifier[]): readonly AlertNotifier[] {
  const seen = new Set<string>();
  const issues = notifiers.flatMap((notifier, i) => {
    const bad = !isNotifierName(notifier.name) || seen.has(notifier.name);
    seen.add(notifier.name);
    return bad
      ? [{ path: `notifiers.${i}.name`, reason: 'must be a unique consumer-safe name' }]
      : [];
  });
  if (issues.length > 0)
    throw issuesError(ALERT_ERROR_CODES.ALERT_CONFIG_INVALID, 'invalid alert notifiers', issues);
  return Object.freeze([...notifiers]);
}
