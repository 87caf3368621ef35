import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { actorName } from './actor.js';
import type { Actor } from './actor.js';
import { plans } from './change-plans.js';
import type { AssignmentOptions, RoleInput } from './change-plans.js';
import { createTenant } from './create-tenant.js';
import type { CreateTenantOptions } from './create-tenant.js';
import type { EventBusService } from '../events/index.js';
import type { Database } from '../storage/index.js';
import { systemClock } from '../shared/clock.js';
import type { Clock } from '../shared/clock.js';
import { getCurrentEntityId, getCurrentTenantId } from '../tenancy/index.js';
import { DecisionLog } from './decision-log.js';
import { RbacError } from './errors.js';
import { PolicyWriter } from './policy-writer.js';
import type { PlanBuilder } from './policy-writer.js';
import type { EffectivePermission, Explanation } from './policy/index.js';
import { parseRbacServiceConfig } from './rbac-service-config.js';
import type { RbacObserver, RbacServiceConfig } from './rbac-service-config.js';
import { RbacEventProducerImpl } from './rbac-event-producer.js';
import type { RbacEventProducer } from './rbac-event-producer.js';
import { subscribeInvalidator } from './permission-cache-invalidator.js';
import { rbacMigrations } from './store/rbac-migrations.js';
import { rbacStore } from './store/rbac-store.js';
import type { RbacTables } from './store/rbac-tables.js';
import { TenantPolicies } from './tenant-policies.js';
import type { TenantPolicy } from './policy/index.js';

/** Per-call options of a permission check. */
export interface CheckPermissionOptions {
  /** The entity to check at; default the request context's entity, else tenant-wide. */
  readonly entityId?: string | null;
  /**
   * Require the tenant's policy at this revision or newer (the revision an administrative
   * write returned, possibly on another instance). Waits up to `timeoutMs` for it.
   */
  readonly minRevision?: number;
  /** How long to wait for `minRevision`; default the service's `freshnessTimeoutMs`. */
  readonly timeoutMs?: number;
}

/**
 * RBAC for one Warden instance: permission checks answered from an in-memory policy per
 * tenant (loaded from the store, kept current by this instance's writes and by `rbac`
 * events from other instances), every decision emitted as `rbac.permission_check`, and
 * administration written through one transactional, audited path.
 *
 * Every method acts in the current tenant (`runWithContext`); without one it throws
 * `RBAC_NO_TENANT_CONTEXT`. No method reads or writes another tenant's rows.
 */
export class RbacService {
  readonly #database: Database;
  readonly #bus: EventBusService;
  readonly #clock: Clock;
  readonly #events: RbacEventProducer;
  readonly #decisions: DecisionLog;
  readonly #policies: TenantPolicies;
  readonly #writer: PolicyWriter;
  readonly #freshnessTimeoutMs: number;
  readonly #invalidatorConsumer: string | null;
  readonly #observer: RbacObserver | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(config: RbacServiceConfig) {
    const parsed = parseRbacServiceConfig(config);
    this.#database = parsed.database;
    this.#bus = parsed.bus;
    this.#clock = parsed.clock ?? systemClock;
    this.#events = new RbacEventProducerImpl(this.#bus, this.#clock);
    this.#decisions = new DecisionLog(parsed.decisionLog ?? {}, parsed.random ?? Math.random);
    const db = this.#database.kysely as Kysely<RbacTables>;
    this.#policies = new TenantPolicies(
      (tenantId) => rbacStore.loadTenant(db, tenantId),
      this.#clock,
    );
    this.#writer = new PolicyWriter(this.#database, this.#policies, this.#events, this.#clock);
    this.#freshnessTimeoutMs = parsed.freshnessTimeoutMs ?? 2_000;
    this.#observer = parsed.observer;
    this.#invalidatorConsumer =
      parsed.invalidatorConsumer === undefined
        ? 'permission-cache-invalidator'
        : parsed.invalidatorConsumer;
  }

  /** Creates RBAC's tables (idempotent) and starts the cache invalidator. Idempotent. */
  async init(): Promise<void> {
    await this.#database.migrate(rbacMigrations);
    if (this.#unsubscribe !== undefined) return;
    const subscription = subscribeInvalidator(this.#bus, this.#policies, this.#invalidatorConsumer);
    await subscription.ready;
    this.#unsubscribe = () => {
      this.#bus.unsubscribe(subscription);
    };
  }

  /** Stops the invalidator and its timers. The database and bus stay open (they are the caller's). */
  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#policies.close();
  }

  /**
   * The spec's `checkPermission`: may `userId` perform `action` on `resource` in the current
   * tenant (at the context's entity, or `options.entityId`)? Emits `rbac.permission_check`
   * with the deciding role and permission (per the decision log config) and resolves once
   * the bus accepted it. Unknown users, roles or resources are denied, never thrown.
   *
   * @throws RbacError `RBAC_NO_TENANT_CONTEXT`; `RBAC_STALE_REVISION` when `minRevision`
   *   did not arrive in time; the bus's `BackPressureError` when the audit trail cannot
   *   take the decision (the check fails closed rather than go unaudited).
   */
  async checkPermission(
    userId: string,
    resource: string,
    action: string,
    resourceId?: string,
    options?: CheckPermissionOptions,
  ): Promise<boolean> {
    const tenantId = requireTenant();
    const policy = await this.#policyFor(tenantId, options);
    const entityId = entityOf(options);
    const observer = this.#observer;
    const cached = observer !== undefined && policy.isCached(userId);
    const started = observer === undefined ? 0n : process.hrtime.bigint();
    const decision = policy.check(userId, resource, action, { entityId, now: this.#clock.now() });
    if (observer !== undefined) this.#observe(observer, tenantId, decision, started, cached);
    if (this.#decisions.shouldLog(decision.granted)) {
      const reason = this.#policies.isMissing(tenantId) ? 'unknown_tenant' : decision.reason;
      await this.#events.logPermissionCheck(userId, resource, action, decision.granted, {
        resourceId,
        entityId,
        reason,
        roleId: decision.roleId,
        permission: decision.permission,
        revision: policy.revision,
      });
    }
    return decision.granted;
  }

  /** The decision and the path that made it (assignment, role chain, permission), or why nothing matched. Not audited. */
  async explain(
    userId: string,
    resource: string,
    action: string,
    _resourceId?: string,
    options?: CheckPermissionOptions,
  ): Promise<Explanation> {
    const policy = await this.#policyFor(requireTenant(), options);
    return policy.explain(userId, resource, action, {
      entityId: entityOf(options),
      now: this.#clock.now(),
    });
  }

  /** Every permission `userId` holds at the entity (or tenant-wide), with the assignment it comes through. */
  async effectivePermissions(
    userId: string,
    options?: CheckPermissionOptions,
  ): Promise<readonly EffectivePermission[]> {
    const policy = await this.#policyFor(requireTenant(), options);
    return policy.effectivePermissions(userId, {
      entityId: entityOf(options),
      now: this.#clock.now(),
    });
  }

  /** The users who hold `resource:action` at the entity (or tenant-wide) now. */
  async usersWith(
    resource: string,
    action: string,
    options?: CheckPermissionOptions,
  ): Promise<readonly string[]> {
    const policy = await this.#policyFor(requireTenant(), options);
    return policy.usersWith(resource, action, {
      entityId: entityOf(options),
      now: this.#clock.now(),
    });
  }

  /** A role's permissions in the current tenant, inheritance folded in (empty for an unknown role). */
  async rolePermissions(roleId: string): Promise<readonly string[]> {
    return (await this.#policies.get(requireTenant())).rolePermissions(roleId);
  }

  /** The current tenant's policy revision on this instance. */
  async revision(): Promise<number> {
    return (await this.#policies.get(requireTenant())).revision;
  }

  /**
   * The spec's `assignRoleToUser`: gives `userId` the role in the current tenant (at
   * `options.entityId` and its descendants, until `options.expiresAt`). `assignedBy` needs
   * `rbac:assign` there and must hold every permission the role carries. Emits
   * `rbac.role_change` (`emitWithGuarantee`, priority high). Resolves with the tenant's new
   * revision: pass it as `minRevision` to a check on another instance.
   *
   * @throws RbacError `RBAC_USER_NOT_FOUND`, `RBAC_ROLE_NOT_FOUND`, `RBAC_ENTITY_NOT_FOUND`,
   *   `RBAC_EXPIRY_INVALID`, `RBAC_PERMISSION_DENIED`, `RBAC_ESCALATION_DENIED` (audited).
   */
  assignRoleToUser(
    userId: string,
    roleId: string,
    assignedBy: Actor,
    options: AssignmentOptions = {},
  ): Promise<number> {
    return this.#admin(assignedBy, plans.assignRole(userId, roleId, options, this.#clock.now()), {
      userId,
      roleId,
    });
  }

  /** Takes the role back (`rbac:assign` needed at the assignment's entity). Emits `rbac.role_change` `removed`. */
  removeRoleFromUser(
    userId: string,
    roleId: string,
    removedBy: Actor,
    entityId: string | null = null,
  ): Promise<number> {
    return this.#admin(removedBy, plans.removeRole(userId, roleId, entityId), { userId, roleId });
  }

  /** Creates a role (`rbac:manage`; the actor must hold what it carries). Resolves with the new role id and revision. */
  async createRole(input: RoleInput, actor: Actor): Promise<{ roleId: string; revision: number }> {
    const roleId = input.id ?? randomUUID();
    const revision = await this.#admin(
      actor,
      plans.createRole({ ...input, id: roleId }, randomUUID),
      { roleId },
    );
    return { roleId, revision };
  }

  /** Renames a role or replaces its permissions or parents; refuses a cycle (`RBAC_ROLE_CYCLE`). */
  updateRole(
    roleId: string,
    update: Partial<Omit<RoleInput, 'id'>>,
    actor: Actor,
  ): Promise<number> {
    return this.#admin(actor, plans.updateRole(roleId, update), { roleId });
  }

  /** Sets a role's parents (inheritance); refuses a cycle with `RBAC_ROLE_CYCLE` naming it. */
  setRoleInheritance(roleId: string, inherits: readonly string[], actor: Actor): Promise<number> {
    return this.#admin(actor, plans.updateRole(roleId, { inherits }), { roleId });
  }

  /** Deletes a role and every assignment of it. */
  deleteRole(roleId: string, actor: Actor): Promise<number> {
    return this.#admin(actor, plans.deleteRole(roleId), { roleId });
  }

  /** Adds `resource:action` to a role (the actor must hold it). */
  grantPermission(roleId: string, permission: string, actor: Actor): Promise<number> {
    return this.#admin(actor, plans.grantPermission(roleId, permission), { roleId, permission });
  }

  /** Removes a permission from a role. */
  revokePermission(roleId: string, permission: string, actor: Actor): Promise<number> {
    return this.#admin(actor, plans.revokePermission(roleId, permission), { roleId, permission });
  }

  /** Registers a user in the current tenant (assignments need it). */
  addUser(userId: string, actor: Actor): Promise<number> {
    return this.#admin(actor, plans.addUser(userId), { userId });
  }

  /** Removes a user and all of their assignments. */
  removeUser(userId: string, actor: Actor): Promise<number> {
    return this.#admin(actor, plans.removeUser(userId), { userId });
  }

  /** Creates an entity, or moves it under `parentId` (null: top level); refuses a cycle. */
  putEntity(entityId: string, parentId: string | null, actor: Actor): Promise<number> {
    return this.#admin(actor, plans.putEntity(entityId, parentId), { entityId });
  }

  /** Deletes an entity without sub-entities, and the assignments scoped to it. */
  deleteEntity(entityId: string, actor: Actor): Promise<number> {
    return this.#admin(actor, plans.deleteEntity(entityId), { entityId });
  }

  /**
   * Creates a tenant (a platform operation: no tenant context needed, no RBAC check; call
   * it from the composition root or a platform operator's path). With `adminUserId`, that
   * user is added with a `tenant-admin` role holding `*:*`. Emits `rbac.permission_change`.
   *
   * @throws RbacError `RBAC_TENANT_EXISTS`, `RBAC_NAME_INVALID`.
   */
  createTenant(tenantId: string, options: CreateTenantOptions = {}): Promise<number> {
    return createTenant(this.#database, this.#events, this.#clock, tenantId, options);
  }

  async #admin(
    actor: Actor,
    build: PlanBuilder,
    context: Record<string, unknown>,
  ): Promise<number> {
    try {
      return await this.#writer.write(requireTenant(), actor, build);
    } catch (error) {
      if (error instanceof RbacError && REFUSALS.has(error.code)) {
        await this.#events.logPermissionCheck(actorName(actor), 'rbac', 'administer', false, {
          ...context,
          reason: error.code,
          details: error.details,
        });
      }
      throw error;
    }
  }

  #observe(
    observer: RbacObserver,
    tenantId: string,
    decision: { readonly granted: boolean; readonly reason: string },
    started: bigint,
    cached: boolean,
  ): void {
    const reason = this.#policies.isMissing(tenantId) ? 'unknown_tenant' : decision.reason;
    const durationNs = Number(process.hrtime.bigint() - started);
    try {
      observer.observeCheck({ tenantId, granted: decision.granted, reason, durationNs, cached });
    } catch {
      // An observer must not break authorisation.
    }
  }

  async #policyFor(
    tenantId: string,
    options: CheckPermissionOptions | undefined,
  ): Promise<TenantPolicy> {
    const minRevision = options?.minRevision;
    if (minRevision !== undefined) {
      return this.#policies.atLeast(
        tenantId,
        minRevision,
        options?.timeoutMs ?? this.#freshnessTimeoutMs,
      );
    }
    return this.#policies.peek(tenantId) ?? (await this.#policies.get(tenantId));
  }
}

const REFUSALS = new Set<string>(['RBAC_PERMISSION_DENIED', 'RBAC_ESCALATION_DENIED']);

function requireTenant(): string {
  const tenantId = getCurrentTenantId();
  if (tenantId === undefined) {
    throw new RbacError(
      'RBAC_NO_TENANT_CONTEXT',
      'no tenant context: run RBAC calls inside runWithContext',
    );
  }
  return tenantId;
}

function entityOf(options: CheckPermissionOptions | undefined): string | null {
  if (options?.entityId !== undefined) return options.entityId;
  return getCurrentEntityId() ?? null;
}
