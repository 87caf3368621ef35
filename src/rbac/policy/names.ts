import { RbacError, RBAC_ERROR_CODES } from '../errors.js';
import type { Permission } from './types.js';

/** The longest id, role name or permission part accepted, in UTF-16 code units. */
export const MAX_NAME_LENGTH = 128;

// Control characters (C0, DEL, C1) and Unicode line/paragraph separators.
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029) {
      return true;
    }
  }
  return false;
}
// A permission part is `*` alone, or characters other than whitespace, `:` and `*`.
const PART = /^(?:\*|[^\s:*]+)$/u;

/** True when `text` is a valid id or name: 1 to 128 characters, no control characters. */
export function isValidName(text: unknown): text is string {
  return (
    typeof text === 'string' &&
    text.length > 0 &&
    text.length <= MAX_NAME_LENGTH &&
    !hasControl(text)
  );
}

/**
 * Checks an id or name.
 * @throws RbacError `RBAC_NAME_INVALID` when empty, longer than 128 characters or holding
 * control characters. The message names the field, not the value.
 */
export function assertName(text: unknown, field: string): asserts text is string {
  if (isValidName(text)) return;
  const length = typeof text === 'string' ? text.length : null;
  throw new RbacError(
    RBAC_ERROR_CODES.RBAC_NAME_INVALID,
    `${field} must be 1 to ${MAX_NAME_LENGTH} characters without control characters`,
    { details: { field, length } },
  );
}

/**
 * Parses a `resource:action` permission. Each side is `*` (any) or 1 to 128 characters
 * other than whitespace, `:`, `*` and control characters.
 * @throws RbacError `RBAC_PERMISSION_INVALID` for anything else.
 * @example parsePermission('document:read') // { resource: 'document', action: 'read' }
 */
export function parsePermission(text: string): Permission {
  const parsed = tryParsePermission(text);
  if (parsed !== null) return parsed;
  throw new RbacError(
    RBAC_ERROR_CODES.RBAC_PERMISSION_INVALID,
    "a permission is 'resource:action', each side '*' or up to 128 characters without whitespace, ':' or '*'",
    { details: { length: typeof text === 'string' ? text.length : null } },
  );
}

/** {@link parsePermission} without the throw: null when `text` is not a valid permission. */
export function tryParsePermission(text: unknown): Permission | null {
  if (typeof text !== 'string') return null;
  const colon = text.indexOf(':');
  if (colon < 0) return null;
  const resource = text.slice(0, colon);
  const action = text.slice(colon + 1);
  if (!isPart(resource) || !isPart(action)) return null;
  return { resource, action };
}

function isPart(part: string): boolean {
  return part.length > 0 && part.length <= MAX_NAME_LENGTH && PART.test(part) && !hasControl(part);
}
