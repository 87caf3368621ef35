import type { Kysely } from 'kysely';
import type { Database } from '../storage/index.js';
import type { Clock } from '../shared/clock.js';
import { authorize, actorName } from './actor.js';
import type { Actor, Authority } from './actor.js';
import { RbacError } from './errors.js';
import { TenantPolicy } from './policy/index.js';
import type { PolicyChange } from './policy/index.js';
import type { RbacEventProducer } from './rbac-event-producer.js';
import { rbacStore } from './store/rbac-store.js';
import type { RbacTables } from './store/rbac-tables.js';
import type { TenantPolicies } from './tenant-policies.js';

/** One administrative change, built and validated against the tenant's current policy. */
export interface ChangePlan {
  readonly change: PolicyChange;
  readonly authority: Authority;
  /** Emits the change's audit event(s); runs inside the write's transaction. */
  readonly audit: (events: RbacEventProducer, changedBy: string, revision: number) => Promise<void>;
}

/** Builds a plan from the policy as it stands; throws a typed error if the change is invalid. */
export type PlanBuilder = (policy: TenantPolicy) => ChangePlan;

/**
 * The one write path of RBAC administration: in one transaction it takes the tenant's next
 * revision (on PostgreSQL the row lock serialises writers of a tenant), validates and
 * authorises the change against the policy at the previous revision, writes the rows and
 * emits the audit event (durable before commit, so no committed change goes unaudited).
 * After commit the local policy advances at once, so the change is visible to checks on
 * this instance when the call returns.
 */
export class PolicyWriter {
  readonly #database: Database;
  readonly #policies: TenantPolicies;
  readonly #events: RbacEventProducer;
  readonly #clock: Clock;

  constructor(
    database: Database,
    policies: TenantPolicies,
    events: RbacEventProducer,
    clock: Clock,
  ) {
    this.#database = database;
    this.#policies = policies;
    this.#events = events;
    this.#clock = clock;
  }

  /** Applies the change; resolves with the tenant's new revision. */
  async write(tenantId: string, actor: Actor, build: PlanBuilder): Promise<number> {
    const stamp = { actor: actorName(actor), at: this.#clock.now() };
    const { revision, base, plan } = await this.#database.transaction(async (trx) => {
      const db = trx as unknown as Kysely<RbacTables>;
      const next = await rbacStore.nextRevision(db, tenantId);
      if (next === null) {
        throw new RbacError('RBAC_TENANT_NOT_FOUND', 'the tenant does not exist', {
          details: { tenantId },
        });
      }
      const current = await this.#policyAt(db, tenantId, next - 1);
      const built = build(current);
      authorize(current, actor, built.authority, stamp.at);
      await rbacStore.write(db, tenantId, built.change, stamp);
      await built.audit(this.#events, stamp.actor, next);
      return { revision: next, base: current, plan: built };
    });
    this.#advance(base, plan.change, revision);
    return revision;
  }

  /** The policy at `revision`: the cached one when it is exactly there, else read in `db`. */
  async #policyAt(
    db: Kysely<RbacTables>,
    tenantId: string,
    revision: number,
  ): Promise<TenantPolicy> {
    const cached = this.#policies.peek(tenantId);
    if (cached?.revision === revision) return cached;
    const data = await rbacStore.loadTenant(db, tenantId);
    if (data === null) throw new RbacError('RBAC_TENANT_NOT_FOUND', 'the tenant does not exist');
    return TenantPolicy.fromData({ ...data, revision });
  }

  #advance(base: TenantPolicy, change: PolicyChange, revision: number): void {
    if (base.revision !== revision - 1) {
      this.#policies.announce(base.tenantId, revision);
      return;
    }
    try {
      base.apply(change, revision);
      this.#policies.install(base);
    } catch {
      // Validated before the write, so this should not happen; read the store rather than guess.
      this.#policies.announce(base.tenantId, revision);
    }
  }
}
