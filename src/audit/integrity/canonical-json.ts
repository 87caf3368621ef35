/**
 * RFC 8785 (JSON Canonicalization Scheme) for any JSON value: object keys sorted by UTF-16
 * code units, no whitespace, numbers in ECMAScript `Number#toString` form, strings escaped as
 * `JSON.stringify` escapes them.
 */

/**
 * RFC 8785 canonical JSON of any JSON value. Values JSON cannot hold are treated as
 * `JSON.stringify` treats them (`toJSON` is called; `undefined`, functions and symbols are
 * dropped from objects and become `null` in arrays; `NaN` and `±Infinity` become `null`), so
 * `canonicalJson(v) === canonicalJson(JSON.parse(JSON.stringify(v)))` always holds.
 * Lone surrogates are escaped (`\udXXX`), as `JSON.stringify` does.
 *
 * @returns the canonical text, or `undefined` where `JSON.stringify` returns `undefined`.
 * @throws TypeError for a `BigInt`; RangeError (stack) for a cyclic value.
 */
export function canonicalJson(value: unknown): string | undefined {
  return writeJson(value, '');
}

/**
 * A JSON string literal, as `JSON.stringify` writes it. Most audit strings need no escape;
 * scanning for the characters that do is cheaper than calling JSON.stringify for each one.
 */
export function quoteJson(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    // Controls, '"', '\' and surrogates (escaped when lone) take JSON.stringify's path.
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff))
      return JSON.stringify(value);
  }
  return '"' + value + '"';
}

/**
 * One value's canonical JSON, as `JSON.stringify` would see it under `key` (passed to
 * `toJSON`; an array index stays a number until a `toJSON` needs it).
 */
export function writeJson(value: unknown, key: string | number): string | undefined {
  switch (typeof value) {
    case 'string':
      return quoteJson(value);
    case 'number':
      // String(n) is JSON.stringify(n) for finite numbers, -0 included ("0").
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return value === null ? 'null' : writeObjectLike(value, key);
    case 'bigint':
      throw new TypeError('canonical JSON cannot hold a BigInt');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
}

function writeObjectLike(value: object, key: string | number): string | undefined {
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function')
    return writeJson((toJSON as (key: string) => unknown).call(value, String(key)), key);
  if (Array.isArray(value)) return writeArray(value);
  const proto: unknown = Object.getPrototypeOf(value);
  // Boxed primitives serialise as their primitive, as in JSON.stringify.
  if (proto !== Object.prototype && proto !== null) {
    if (value instanceof String || value instanceof Number || value instanceof Boolean)
      return writeJson(value.valueOf(), key);
  }
  return writeObject(value as Readonly<Record<string, unknown>>);
}

function writeArray(items: readonly unknown[]): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ',';
    out += writeJson(items[i], i) ?? 'null';
  }
  return out + ']';
}

function writeObject(object: Readonly<Record<string, unknown>>): string {
  const keys = Object.keys(object);
  // The default sort compares UTF-16 code units, the order RFC 8785 prescribes; most
  // objects arrive unsorted, but skipping the call for sorted ones is cheap.
  if (!isSorted(keys)) keys.sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = writeJson(object[key], key);
    if (member === undefined) continue;
    out += (first ? '' : ',') + quoteJson(key) + ':' + member;
    first = false;
  }
  return out + '}';
}

function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++)
    if ((keys[i - 1] as string) > (keys[i] as string)) return false;
  return true;
}
