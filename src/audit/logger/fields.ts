/**
 * Defensive readers for bus payloads: every value is `unknown` and a wrong type reads as null,
 * never as an exception. Shared by the normalisation table and the audit event parser.
 */

/** Longest string taken into an actor, target, entity or id field; longer ones are not identifiers. */
export const MAX_FIELD_LENGTH = 256;
/** The bus refuses a `correlationId` longer than this, so a longer one is dropped (it stays in the payload). */
export const MAX_CORRELATION_ID_LENGTH = 128;

export type JsonObject = Readonly<Record<string, unknown>>;

/** The value as a plain object (not an array), else null. */
export function objectOf(value: unknown): JsonObject | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : null;
}

/** `object[key]` when `object` is a plain object, else undefined. */
export function fieldOf(object: unknown, key: string): unknown {
  const record = objectOf(object);
  return record === null ? undefined : record[key];
}

/** A non-empty string of at most `maxLength` characters, else null. */
export function textOf(value: unknown, maxLength: number = MAX_FIELD_LENGTH): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= maxLength ? value : null;
}

/** The first of `values` that reads as text, else null. */
export function firstText(...values: readonly unknown[]): string | null {
  for (const value of values) {
    const text = textOf(value);
    if (text !== null) return text;
  }
  return null;
}

/** A boolean, else null. */
export function booleanOf(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}
