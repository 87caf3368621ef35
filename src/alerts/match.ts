import type { EventMatch, FieldCondition, Scalar } from './rules.js';

/** A predicate over an event, compiled once per rule. */
export type EventPredicate = (event: object) => boolean;

/** Reads a dotted path of an event through own properties only; undefined when absent. */
export function readPath(event: object, segments: readonly string[]): unknown {
  let current: unknown = event;
  for (const segment of segments) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment))
      return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** Compiles a rule's `match` (type or prefix, then every condition) into a predicate. */
export function compileMatch(match: EventMatch): EventPredicate {
  const conditions = (match.where ?? []).map(compileCondition);
  const { type, typePrefix } = match;
  const typeMatches =
    type !== undefined
      ? (t: unknown) => t === type
      : (t: unknown) => typeof t === 'string' && t.startsWith(typePrefix ?? '');
  return (event) =>
    typeMatches((event as { type?: unknown }).type) && conditions.every((c) => c(event));
}

function compileCondition(condition: FieldCondition): EventPredicate {
  const segments = condition.path.split('.');
  const test = conditionTest(condition);
  return (event) => test(readPath(event, segments));
}

function conditionTest(condition: FieldCondition): (field: unknown) => boolean {
  const { op, value } = condition;
  const values = (Array.isArray(value) ? value : [value]) as readonly Scalar[];
  switch (op) {
    case 'eq':
      return (field) => field === value;
    case 'neq':
      return (field) => field !== value;
    case 'in':
      return (field) => values.includes(field as Scalar);
    case 'not_in':
      return (field) => !values.includes(field as Scalar);
    case 'exists':
      return (field) => field !== undefined;
    case 'not_exists':
      return (field) => field === undefined;
    case 'prefix':
      return (field) => typeof field === 'string' && field.startsWith(value as string);
    case 'contains_any':
      return (field) =>
        Array.isArray(field) && field.some((item: unknown) => values.includes(item as Scalar));
    default: {
      const unreachable: never = op;
      throw new Error(`unknown condition op ${String(unreachable)}`);
    }
  }
}

/**
 * Reads the values of `paths` as strings, or undefined when one is missing or not a
 * scalar (such an event is not counted: an absent IP must not pool every IP-less event).
 */
export function groupValues(
  event: object,
  paths: readonly (readonly string[])[],
): string[] | undefined {
  const values: string[] = [];
  for (const segments of paths) {
    const value = readPath(event, segments);
    if (typeof value === 'string' && value !== '') values.push(value);
    else if (typeof value === 'number' || typeof value === 'boolean') values.push(String(value));
    else return undefined;
  }
  return values;
}
