import { isCommonPassword } from './common-passwords.js';
import { AuthError } from './errors.js';

/** The rules a password can break (listed in `AUTH_PASSWORD_POLICY`'s `details.rules`). */
export const PASSWORD_RULES = ['too_short', 'too_long', 'common', 'contains_username'] as const;
export type PasswordRule = (typeof PASSWORD_RULES)[number];

export interface PasswordPolicy {
  readonly minLength: number;
  readonly minLengthWithMfa: number;
  readonly maxLength: number;
}

/** Length in Unicode code points (what users count), after NFC normalisation. */
export function passwordLength(password: string): number {
  // eslint-disable-next-line @typescript-eslint/no-misused-spread -- code points are what is counted
  return [...password.normalize('NFC')].length;
}

/**
 * The rules a password breaks, following OWASP's guidance: at least 15 characters (8 with
 * MFA), a maximum of at least 64 with no truncation, no composition rules, common
 * passwords refused, and not the username.
 */
export function passwordRuleViolations(
  policy: PasswordPolicy,
  password: string,
  context: { readonly username: string; readonly mfa: boolean },
): PasswordRule[] {
  const length = passwordLength(password);
  const rules: PasswordRule[] = [];
  if (length < (context.mfa ? policy.minLengthWithMfa : policy.minLength)) rules.push('too_short');
  if (length > policy.maxLength) rules.push('too_long');
  if (isCommonPassword(password)) rules.push('common');
  if (context.username.length >= 3 && password.toLowerCase().includes(context.username))
    rules.push('contains_username');
  return rules;
}

/** @throws AuthError `AUTH_PASSWORD_POLICY` listing the broken rules. */
export function assertPasswordPolicy(
  policy: PasswordPolicy,
  password: string,
  context: { readonly username: string; readonly mfa: boolean },
): void {
  const rules = passwordRuleViolations(policy, password, context);
  if (rules.length === 0) return;
  const min = context.mfa ? policy.minLengthWithMfa : policy.minLength;
  throw new AuthError(
    'AUTH_PASSWORD_POLICY',
    `the password breaks the policy: ${rules.join(', ')}`,
    { details: { rules, minLength: min, maxLength: policy.maxLength } },
  );
}
