import { createHash } from 'node:crypto';
import { tenantOf } from '../events/index.js';
import type { BaseEvent } from '../events/index.js';
import type { Clock } from '../shared/clock.js';
import { GroupTable } from './group-table.js';
import { compileMatch, groupValues } from './match.js';
import type { EventPredicate } from './match.js';
import type { Mark } from './rule-state.js';
import { DistinctState, SequenceState, ThresholdState } from './rule-state.js';
import type { ParsedRule, Severity } from './rules.js';

/** An alert as the engine raises it (before storage adds its status). */
export interface RaisedAlert {
  /** Deterministic: the same rule, tenant, group and last event give the same id. */
  readonly id: string;
  readonly tenantId: string;
  readonly ruleId: string;
  readonly ruleKind: ParsedRule['kind'];
  readonly severity: Severity;
  readonly title: string;
  readonly description: string;
  /** The group, as a JSON array of the tenant then each `groupBy` value. */
  readonly groupKey: string;
  /** Each `groupBy` path with its value. */
  readonly group: Readonly<Record<string, string>>;
  /** Ids of the events that triggered the alert, oldest first (at most {@link MAX_ALERT_EVENT_IDS}). */
  readonly eventIds: readonly string[];
  /** Events (or distinct values) counted. */
  readonly count: number;
  readonly firstEventAt: number;
  readonly lastEventAt: number;
  readonly raisedAt: number;
}

/** An event as the engine reads it: the event plus facts the service looked up (`enrichment.*`). */
export type EvaluatedEvent = BaseEvent & {
  readonly enrichment?: Readonly<Record<string, unknown>>;
};

export interface AlertEngineConfig {
  readonly rules: readonly ParsedRule[];
  readonly clock: Clock;
  /** Tenant of events without `metadata.tenantId` (the bus's own events). Default `system`. */
  readonly systemTenantId?: string;
  /** Groups remembered per rule (and suppressions per rule); the least recently active past it are dropped. Default 10 000. */
  readonly maxGroupsPerRule?: number;
}

/** Counters for metrics and tests. */
export interface AlertEngineStats {
  readonly groups: number;
  /** Groups dropped because a rule reached `maxGroupsPerRule`. */
  readonly evictedGroups: number;
  readonly raised: number;
  readonly suppressed: number;
}

/** The most triggering event ids an alert carries (the latest ones). */
export const MAX_ALERT_EVENT_IDS = 100;
export const DEFAULT_MAX_GROUPS_PER_RULE = 10_000;
const TENANT_PATH = 'metadata.tenantId';

type RuleState = ThresholdState | DistinctState | SequenceState;

interface CompiledRule {
  readonly rule: ParsedRule;
  readonly groupPaths: readonly (readonly string[])[];
  readonly groupNames: readonly string[];
  readonly predicates: readonly EventPredicate[];
  readonly distinct: readonly string[] | undefined;
  readonly groups: GroupTable<RuleState>;
  readonly suppressedUntil: GroupTable<number>;
}

interface Hit {
  readonly tenantId: string;
  readonly values: readonly string[];
  readonly key: string;
  readonly mark: Mark;
  /** The clock's now: groups live `windowMs` of clock time after their last event. */
  readonly now: number;
}

/**
 * Evaluates events against rules, in memory, with time from the injected clock. Pure apart
 * from that state: no I/O. Groups are always split by tenant, so no count ever mixes two
 * tenants. Event times come from `event.time`, never later than the clock's now (a forged
 * future time cannot stretch a window); windows are half-open, `(t - windowMs, t]`.
 *
 * @example
 * const engine = new AlertEngine({ rules: parseRules(defaultAlertRules()), clock });
 * for (const alert of engine.evaluate(event)) console.log(alert.title);
 */
export class AlertEngine {
  readonly #rules: readonly CompiledRule[];
  readonly #clock: Clock;
  readonly #systemTenantId: string;
  #seq = 0;
  #raised = 0;
  #suppressed = 0;

  constructor(config: AlertEngineConfig) {
    this.#clock = config.clock;
    this.#systemTenantId = config.systemTenantId ?? 'system';
    const maxGroups = config.maxGroupsPerRule ?? DEFAULT_MAX_GROUPS_PER_RULE;
    this.#rules = config.rules.filter((r) => r.enabled).map((r) => compile(r, maxGroups));
  }

  /** The alerts `event` raises now (usually none). */
  evaluate(event: EvaluatedEvent): RaisedAlert[] {
    const now = this.#clock.now();
    const parsed = Date.parse(event.time);
    const at = Number.isNaN(parsed) ? now : Math.min(parsed, now);
    const mark: Mark = { at, seq: ++this.#seq, id: event.id };
    const alerts: RaisedAlert[] = [];
    for (const compiled of this.#rules) {
      compiled.groups.sweep(now - compiled.rule.windowMs);
      compiled.suppressedUntil.sweep(now - compiled.rule.suppressMs);
      const alert = this.#evaluateRule(compiled, event, mark, now);
      if (alert !== undefined) alerts.push(alert);
    }
    return alerts;
  }

  stats(): AlertEngineStats {
    let groups = 0;
    let evictedGroups = 0;
    for (const r of this.#rules) {
      groups += r.groups.size;
      evictedGroups += r.groups.evicted;
    }
    return { groups, evictedGroups, raised: this.#raised, suppressed: this.#suppressed };
  }

  #evaluateRule(
    compiled: CompiledRule,
    event: EvaluatedEvent,
    mark: Mark,
    now: number,
  ): RaisedAlert | undefined {
    const step = compiled.predicates.findLastIndex((p) => p(event));
    if (step < 0) return undefined;
    const values = groupValues(event, compiled.groupPaths);
    if (values === undefined) return undefined;
    const tenantId = tenantOf(event) ?? this.#systemTenantId;
    const key = JSON.stringify([tenantId, ...values]);
    const hit: Hit = { tenantId, values, key, mark, now };
    const marks = countHit(compiled, event, hit, step);
    if (marks === undefined) return undefined;
    const until = compiled.suppressedUntil.get(hit.key);
    if (until !== undefined && until > now) {
      this.#suppressed += 1;
      return undefined;
    }
    compiled.groups.delete(hit.key);
    compiled.suppressedUntil.delete(hit.key);
    if (compiled.rule.suppressMs > 0)
      compiled.suppressedUntil.touch(hit.key, now, () => now + compiled.rule.suppressMs);
    this.#raised += 1;
    return buildAlert(compiled, hit, marks, now);
  }
}

/** Adds the hit to its group; returns the marks of a completed detection, else undefined. */
function countHit(
  compiled: CompiledRule,
  event: EvaluatedEvent,
  hit: Hit,
  step: number,
): Mark[] | undefined {
  const { rule } = compiled;
  const cutoff = hit.mark.at - rule.windowMs;
  if (rule.kind === 'sequence') {
    const state = compiled.groups.touch(
      hit.key,
      hit.now,
      () => new SequenceState(rule.steps.length),
    ) as SequenceState;
    const last = rule.steps.length - 1;
    const counts = rule.steps.map((s) => s.count);
    state.add(step, hit.mark, counts[step] ?? 1, cutoff);
    return step === last ? state.complete(counts, cutoff) : undefined;
  }
  if (compiled.distinct !== undefined) {
    const value = groupValues(event, [compiled.distinct])?.[0];
    if (value === undefined) return undefined;
    const state = compiled.groups.touch(
      hit.key,
      hit.now,
      () => new DistinctState(),
    ) as DistinctState;
    return state.add(value, hit.mark, rule.threshold, cutoff) ? state.marks : undefined;
  }
  const state = compiled.groups.touch(
    hit.key,
    hit.now,
    () => new ThresholdState(),
  ) as ThresholdState;
  return state.add(hit.mark, rule.threshold, cutoff) ? [...state.marks] : undefined;
}

function compile(rule: ParsedRule, maxGroups: number): CompiledRule {
  const groupNames = rule.groupBy.filter((p) => p !== TENANT_PATH);
  const matches = rule.kind === 'sequence' ? rule.steps.map((s) => s.match) : [rule.match];
  return {
    rule,
    groupNames,
    groupPaths: groupNames.map((p) => p.split('.')),
    predicates: matches.map(compileMatch),
    distinct: rule.kind === 'threshold' ? rule.distinct?.split('.') : undefined,
    groups: new GroupTable<RuleState>(maxGroups),
    suppressedUntil: new GroupTable<number>(maxGroups),
  };
}

function buildAlert(
  compiled: CompiledRule,
  hit: Hit,
  marks: readonly Mark[],
  now: number,
): RaisedAlert {
  const { rule } = compiled;
  const group: Record<string, string> = {};
  compiled.groupNames.forEach((name, i) => {
    group[name] = hit.values[i] ?? '';
  });
  const first = marks[0] ?? hit.mark;
  const last = marks[marks.length - 1] ?? hit.mark;
  return Object.freeze({
    id: alertId(rule.id, hit.key, last.id),
    tenantId: hit.tenantId,
    ruleId: rule.id,
    ruleKind: rule.kind,
    severity: rule.severity,
    title: rule.title,
    description: rule.description,
    groupKey: hit.key,
    group: Object.freeze(group),
    eventIds: Object.freeze(marks.slice(-MAX_ALERT_EVENT_IDS).map((m) => m.id)),
    count: marks.length,
    firstEventAt: first.at,
    lastEventAt: last.at,
    raisedAt: now,
  });
}

/** `alr_` + 32 hex digits of SHA-256 over rule, group and last event: redelivery raises the same id. */
function alertId(ruleId: string, groupKey: string, lastEventId: string): string {
  const digest = createHash('sha256')
    .update(`${ruleId}\n${groupKey}\n${lastEventId}`)
    .digest('hex');
  return `alr_${digest.slice(0, 32)}`;
}
