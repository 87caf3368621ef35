/**
 * Secret redaction for the payload copy kept in an audit record.
 *
 * Audit records are chained and exported: a secret written into one can never be removed
 * without breaking the tenant's hash chain. So although producers must never put secrets in
 * events, the logger also replaces the value of every field whose name looks like a secret
 * with `REDACTED`, at any depth. Identifiers of secrets (`tokenId`, `sessionId`) are kept;
 * see `isSecretFieldName`.
 */

/** The value written in place of a secret-looking field. */
export const REDACTED = '[REDACTED]';

/** Deeper than this the payload is not walked (the bus refuses events nested deeper than 64). */
const MAX_DEPTH = 64;

const SECRET_PARTS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'credential',
  'privatekey',
  'apikey',
  'authorization',
  'cookie',
] as const;
const SECRET_SUFFIXES = ['token', 'otp', 'pin', 'cvv'] as const;

/**
 * Whether a field name denotes a secret: compared lowercase without `_`, `-` or spaces, it
 * contains password, passwd, passphrase, secret, credential, privatekey, apikey,
 * authorization or cookie, or ends with token, otp, pin or cvv (`accessToken`, `refresh_token`,
 * `newPassword`, `clientSecret`, `mfa_otp`). `tokenId`, `tokenType` and `sessionId` are kept.
 */
export function isSecretFieldName(name: string): boolean {
  const key = name.toLowerCase().replace(/[\s_-]/g, '');
  return (
    SECRET_PARTS.some((part) => key.includes(part)) ||
    SECRET_SUFFIXES.some((suffix) => key.endsWith(suffix))
  );
}

/**
 * Returns `value` with every secret-named field's value replaced by `REDACTED`. Copies only
 * the objects and arrays on the way to a redacted field; a payload without secrets is
 * returned as is (same reference). Never throws.
 */
export function redactSecrets(value: unknown): unknown {
  return redact(value, 0);
}

function redact(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) return redactArray(value, depth);
  let copy: Record<string, unknown> | undefined;
  for (const [key, child] of Object.entries(value)) {
    const next = isSecretFieldName(key) ? REDACTED : redact(child, depth + 1);
    if (next !== child) {
      copy ??= { ...(value as Record<string, unknown>) };
      // defineProperty, not assignment: a JSON key `__proto__` must stay a plain field.
      Object.defineProperty(copy, key, { value: next, enumerable: true, writable: true });
    }
  }
  return copy ?? value;
}

function redactArray(value: readonly unknown[], depth: number): unknown {
  let copy: unknown[] | undefined;
  value.forEach((child, i) => {
    const next = redact(child, depth + 1);
    if (next !== child) {
      copy ??= [...value];
      copy[i] = next;
    }
  });
  return copy ?? value;
}
