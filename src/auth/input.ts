import { inputInvalid } from './errors.js';

/** Longest tenant id, user id, username or email accepted. */
export const MAX_NAME_LENGTH = 128;
/** Anything longer is refused before hashing (a password cap far above any policy maximum). */
export const MAX_SECRET_INPUT_LENGTH = 4096;

/** A tenant id, user id, username or email: a non-empty string without control characters. */
export function readName(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0)
    throw inputInvalid(field, 'must be a non-empty string');
  if (value.length > MAX_NAME_LENGTH)
    throw inputInvalid(field, `must be at most ${String(MAX_NAME_LENGTH)} characters`);
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(value)) throw inputInvalid(field, 'holds control characters');
  return value;
}

/** A username or email as stored and looked up: trimmed, NFC, lower-cased. */
export function normaliseLogin(field: string, value: unknown): string {
  return readName(field, value).trim().normalize('NFC').toLowerCase();
}

/** A password, refresh token or code as typed: a string, refused early when oversize. */
export function readSecret(
  field: string,
  value: unknown,
  maxLength = MAX_SECRET_INPUT_LENGTH,
): string {
  if (typeof value !== 'string' || value.length === 0)
    throw inputInvalid(field, 'must be a non-empty string');
  if (value.length > maxLength)
    throw inputInvalid(field, `must be at most ${String(maxLength)} characters`);
  return value;
}

/** An optional email: undefined or a plausible address. */
export function readEmail(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const email = normaliseLogin('email', value);
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw inputInvalid('email', 'is not an email address');
  return email;
}
