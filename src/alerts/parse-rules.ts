import { ALERT_ERROR_CODES, issuesError } from './errors.js';
import type { AlertIssue } from './errors.js';
import { CONDITION_OPS, MAX_THRESHOLD, MAX_WINDOW_MS, SEVERITIES } from './rules.js';
import type { AlertRule, ConditionOp, ParsedRule, Scalar, Severity } from './rules.js';

const MAX_GROUP_PATHS = 8;
const MAX_STEPS = 8;
const MAX_CONDITIONS = 16;
const ID_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const TYPE_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,127}$/;
const PREFIX_PATTERN = /^([a-z0-9][a-z0-9_.-]{0,127})?$/;
const PATH_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+){0,7}$/;
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);

/**
 * Validates rules at the boundary (config file, API) and returns frozen copies with
 * defaults filled in.
 * @throws AlertError `ALERT_RULE_INVALID` listing every bad path (`rules.2.match.where.0.op`).
 */
export function parseRules(value: unknown): readonly ParsedRule[] {
  const issues: AlertIssue[] = [];
  if (!Array.isArray(value)) {
    throw issuesError(ALERT_ERROR_CODES.ALERT_RULE_INVALID, 'invalid alert rules', [
      { path: 'rules', reason: 'must be an array of rules' },
    ]);
  }
  const seen = new Set<string>();
  value.forEach((rule: unknown, i) => {
    ruleIssues(rule, `rules.${i}`, issues);
    const id = isRecord(rule) ? rule['id'] : undefined;
    if (typeof id === 'string' && seen.has(id))
      issues.push({ path: `rules.${i}.id`, reason: `duplicates rule id '${id}'` });
    if (typeof id === 'string') seen.add(id);
  });
  if (issues.length > 0)
    throw issuesError(ALERT_ERROR_CODES.ALERT_RULE_INVALID, 'invalid alert rules', issues);
  return Object.freeze(value.map((rule) => deepFreeze(withDefaults(rule as AlertRule))));
}

/** True for a dotted path a rule may read (`data.userId`); no prototype segments. */
export function isValidPath(path: unknown): path is string {
  return (
    typeof path === 'string' &&
    PATH_PATTERN.test(path) &&
    !path.split('.').some((s) => FORBIDDEN_SEGMENTS.has(s))
  );
}

function withDefaults(rule: AlertRule): ParsedRule {
  const common = {
    id: rule.id,
    title: rule.title,
    description: rule.description,
    severity: rule.severity,
    enabled: rule.enabled ?? true,
    groupBy: [...(rule.groupBy ?? [])],
    suppressMs: rule.suppressMs ?? rule.windowMs,
    windowMs: rule.windowMs,
  };
  if (rule.kind === 'threshold') {
    return {
      ...common,
      kind: 'threshold',
      match: structuredClone(rule.match),
      threshold: rule.threshold,
      distinct: rule.distinct,
    };
  }
  const steps = rule.steps.map((s) => ({ match: structuredClone(s.match), count: s.count ?? 1 }));
  return { ...common, kind: 'sequence', steps };
}

function ruleIssues(rule: unknown, path: string, issues: AlertIssue[]): void {
  if (!isRecord(rule)) {
    issues.push({ path, reason: 'must be an object' });
    return;
  }
  if (typeof rule['id'] !== 'string' || !ID_PATTERN.test(rule['id']))
    issues.push({ path: `${path}.id`, reason: 'must be 1 to 64 of a-z, 0-9, ".", "_", "-"' });
  textIssue(rule, 'title', 200, path, issues);
  textIssue(rule, 'description', 2000, path, issues);
  if (!SEVERITIES.includes(rule['severity'] as Severity))
    issues.push({ path: `${path}.severity`, reason: `must be one of ${SEVERITIES.join(', ')}` });
  if (rule['enabled'] !== undefined && typeof rule['enabled'] !== 'boolean')
    issues.push({ path: `${path}.enabled`, reason: 'must be a boolean' });
  groupByIssues(rule['groupBy'], `${path}.groupBy`, issues);
  intIssue(rule, 'windowMs', 1, MAX_WINDOW_MS, path, issues, true);
  intIssue(rule, 'suppressMs', 0, MAX_WINDOW_MS, path, issues, false);
  if (rule['kind'] === 'threshold') thresholdIssues(rule, path, issues);
  else if (rule['kind'] === 'sequence') sequenceIssues(rule, path, issues);
  else issues.push({ path: `${path}.kind`, reason: 'must be "threshold" or "sequence"' });
}

function thresholdIssues(rule: Record<string, unknown>, path: string, issues: AlertIssue[]): void {
  matchIssues(rule['match'], `${path}.match`, issues);
  intIssue(rule, 'threshold', 1, MAX_THRESHOLD, path, issues, true);
  if (rule['distinct'] !== undefined && !isValidPath(rule['distinct']))
    issues.push({ path: `${path}.distinct`, reason: 'must be a dotted path such as data.userId' });
}

function sequenceIssues(rule: Record<string, unknown>, path: string, issues: AlertIssue[]): void {
  const steps = rule['steps'];
  if (!Array.isArray(steps) || steps.length < 2 || steps.length > MAX_STEPS) {
    issues.push({ path: `${path}.steps`, reason: `must be an array of 2 to ${MAX_STEPS} steps` });
    return;
  }
  steps.forEach((step: unknown, i) => {
    const stepPath = `${path}.steps.${i}`;
    if (!isRecord(step)) {
      issues.push({ path: stepPath, reason: 'must be an object' });
      return;
    }
    matchIssues(step['match'], `${stepPath}.match`, issues);
    intIssue(step, 'count', 1, MAX_THRESHOLD, stepPath, issues, false);
  });
}

function matchIssues(match: unknown, path: string, issues: AlertIssue[]): void {
  if (!isRecord(match)) {
    issues.push({ path, reason: 'must be an object with type or typePrefix' });
    return;
  }
  const { type, typePrefix, where } = match;
  if ((type === undefined) === (typePrefix === undefined))
    issues.push({ path, reason: 'must have exactly one of type and typePrefix' });
  if (type !== undefined && (typeof type !== 'string' || !TYPE_PATTERN.test(type)))
    issues.push({
      path: `${path}.type`,
      reason: 'must be an event type such as auth.login_failed',
    });
  if (
    typePrefix !== undefined &&
    (typeof typePrefix !== 'string' || !PREFIX_PATTERN.test(typePrefix))
  )
    issues.push({ path: `${path}.typePrefix`, reason: "must be a type prefix such as 'auth.'" });
  if (where === undefined) return;
  if (!Array.isArray(where) || where.length > MAX_CONDITIONS) {
    issues.push({ path: `${path}.where`, reason: `must be an array of at most ${MAX_CONDITIONS}` });
    return;
  }
  where.forEach((c: unknown, i) => {
    conditionIssues(c, `${path}.where.${i}`, issues);
  });
}

function conditionIssues(condition: unknown, path: string, issues: AlertIssue[]): void {
  if (!isRecord(condition)) {
    issues.push({ path, reason: 'must be an object with path and op' });
    return;
  }
  const { path: field, op, value } = condition;
  if (!isValidPath(field))
    issues.push({ path: `${path}.path`, reason: 'must be a dotted path such as data.granted' });
  if (!CONDITION_OPS.includes(op as ConditionOp)) {
    issues.push({ path: `${path}.op`, reason: `must be one of ${CONDITION_OPS.join(', ')}` });
    return;
  }
  const reason = valueProblem(op as ConditionOp, value);
  if (reason !== undefined) issues.push({ path: `${path}.value`, reason });
}

function valueProblem(op: ConditionOp, value: unknown): string | undefined {
  switch (op) {
    case 'exists':
    case 'not_exists':
      return value === undefined ? undefined : 'must be absent';
    case 'eq':
    case 'neq':
      return isScalar(value) ? undefined : 'must be a string, number, boolean or null';
    case 'prefix':
      return typeof value === 'string' && value !== '' ? undefined : 'must be a non-empty string';
    case 'in':
    case 'not_in':
    case 'contains_any':
      return Array.isArray(value) && value.length > 0 && value.length <= 64 && value.every(isScalar)
        ? undefined
        : 'must be an array of 1 to 64 scalars';
    default: {
      const unreachable: never = op;
      return String(unreachable);
    }
  }
}

function groupByIssues(groupBy: unknown, path: string, issues: AlertIssue[]): void {
  if (groupBy === undefined) return;
  if (!Array.isArray(groupBy) || groupBy.length > MAX_GROUP_PATHS) {
    issues.push({ path, reason: `must be an array of at most ${MAX_GROUP_PATHS} dotted paths` });
    return;
  }
  groupBy.forEach((p: unknown, i) => {
    if (!isValidPath(p)) issues.push({ path: `${path}.${i}`, reason: 'must be a dotted path' });
  });
}

function textIssue(
  record: Record<string, unknown>,
  key: string,
  max: number,
  path: string,
  issues: AlertIssue[],
): void {
  const value = record[key];
  if (typeof value !== 'string' || value.trim() === '' || value.length > max)
    issues.push({ path: `${path}.${key}`, reason: `must be a non-empty string of at most ${max}` });
}

function intIssue(
  record: Record<string, unknown>,
  key: string,
  min: number,
  max: number,
  path: string,
  issues: AlertIssue[],
  required: boolean,
): void {
  const value = record[key];
  if (value === undefined && !required) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    issues.push({ path: `${path}.${key}`, reason: `must be an integer from ${min} to ${max}` });
}

function isScalar(value: unknown): value is Scalar {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
