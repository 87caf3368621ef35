/** How urgent an alert is; ordered from least to most. */
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * Operators of a field condition. `eq`/`neq` compare JSON scalars exactly; `in`/`not_in`
 * take an array of scalars; `exists`/`not_exists` take no value; `prefix` tests a string;
 * `contains_any` is true when the field is an array holding any of the given scalars.
 */
export const CONDITION_OPS = [
  'eq',
  'neq',
  'in',
  'not_in',
  'exists',
  'not_exists',
  'prefix',
  'contains_any',
] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

/** A scalar a condition compares with. */
export type Scalar = string | number | boolean | null;

/** A test on one dotted path of the event (`data.granted`, `metadata.ip`). */
export interface FieldCondition {
  readonly path: string;
  readonly op: ConditionOp;
  readonly value?: Scalar | readonly Scalar[];
}

/** Which events a rule (or a sequence step) looks at: one of `type` or `typePrefix`, plus conditions. */
export interface EventMatch {
  /** Exact event type (`auth.login_failed`). */
  readonly type?: string;
  /** Type prefix (`auth.`); matches every type that starts with it (`''`: every type). */
  readonly typePrefix?: string;
  /** Every condition must hold. */
  readonly where?: readonly FieldCondition[];
}

interface RuleCommon {
  /** Stable id: lowercase letters, digits, `.`, `_`, `-` (1 to 64). */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly severity: Severity;
  /** Default true. */
  readonly enabled?: boolean;
  /**
   * Extra dotted paths that split the rule's state into groups. Groups are always split by
   * tenant first (`metadata.tenantId`, the system tenant for events without one); an event
   * missing a group path is not counted.
   */
  readonly groupBy?: readonly string[];
  /** No second alert for the same group within this many ms of one. Default `windowMs`. */
  readonly suppressMs?: number;
}

/**
 * Raises an alert when at least `threshold` matching events of one group fall within
 * `windowMs` (a sliding window). With `distinct`, counts distinct values of that path
 * instead of events (credential stuffing: failures from one IP across distinct users).
 */
export interface ThresholdRule extends RuleCommon {
  readonly kind: 'threshold';
  readonly match: EventMatch;
  readonly threshold: number;
  readonly windowMs: number;
  readonly distinct?: string;
}

/** One step of a sequence: `count` (default 1) matching events. */
export interface SequenceStep {
  readonly match: EventMatch;
  readonly count?: number;
}

/**
 * Raises an alert when the steps happen in order for one group, from the first event of
 * the first step to the last event of the last step within `windowMs` (N failures then a
 * success for the same account).
 */
export interface SequenceRule extends RuleCommon {
  readonly kind: 'sequence';
  readonly steps: readonly SequenceStep[];
  readonly windowMs: number;
}

export type AlertRule = ThresholdRule | SequenceRule;
export const RULE_KINDS = ['threshold', 'sequence'] as const;

/** A validated rule with every default filled in. */
export type ParsedRule =
  | (Required<Omit<ThresholdRule, 'distinct'>> & { readonly distinct: string | undefined })
  | (Required<Omit<SequenceRule, 'steps'>> & { readonly steps: readonly Required<SequenceStep>[] });

/** Largest `threshold` or step `count`; it bounds the events one group remembers. */
export const MAX_THRESHOLD = 10_000;
/** Longest `windowMs` and `suppressMs`: seven days. */
export const MAX_WINDOW_MS = 7 * 24 * 3_600_000;
