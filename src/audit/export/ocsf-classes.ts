import type { AuditOutcome, StoredAuditRecord } from '../record.js';

/** Where a record lands in OCSF 1.1.0: its class, category and activity. */
export interface OcsfClassification {
  readonly classUid: number;
  readonly className: string;
  readonly categoryUid: number;
  readonly categoryName: string;
  readonly activityId: number;
  readonly activityName: string;
}

const IAM = { categoryUid: 3, categoryName: 'Identity & Access Management' } as const;
const APPLICATION = { categoryUid: 6, categoryName: 'Application Activity' } as const;
const OTHER = 99;

const ACCOUNT_ACTIVITIES: readonly (readonly [RegExp, number, string])[] = [
  [/^auth\.account_created$/, 1, 'Create'],
  [/^auth\.account_(enabled|unlocked)$/, 2, 'Enable'],
  [/^auth\.password_change/, 3, 'Password Change'],
  [/^auth\.password_reset/, 4, 'Password Reset'],
  [/^auth\.account_disabled$/, 5, 'Disable'],
  [/^auth\.account_deleted$/, 6, 'Delete'],
  [/^auth\.account_locked$/, 9, 'Lock'],
];

const API_VERBS: readonly (readonly [RegExp, number, string])[] = [
  [/_(created|issued|added|assigned)$/, 1, 'Create'],
  [/_(read|viewed|listed|exported)$/, 2, 'Read'],
  [/_(updated|changed|modified|refreshed)$/, 3, 'Update'],
  [/_(deleted|revoked|removed)$/, 4, 'Delete'],
];

const CHANGE_TYPES: Readonly<Record<string, readonly [number, string]>> = {
  created: [1, 'Create'],
  assigned: [1, 'Create'],
  updated: [3, 'Update'],
  deleted: [4, 'Delete'],
  revoked: [4, 'Delete'],
};

/**
 * The OCSF class of a record: Authentication (3002) for `auth.login*` and `auth.logout*`,
 * Account Change (3001) for `auth.password_*` and `auth.account_*`, User Access Management
 * (3005) for `rbac.role_change`, API Activity (6003) for everything else.
 */
export function ocsfClassOf(record: StoredAuditRecord): OcsfClassification {
  const { action } = record;
  if (action.startsWith('auth.login') || action.startsWith('auth.logout')) {
    const logoff = action.startsWith('auth.logout');
    const [activityId, activityName] = logoff ? [2, 'Logoff'] : [1, 'Logon'];
    return { classUid: 3002, className: 'Authentication', ...IAM, activityId, activityName };
  }
  if (action.startsWith('auth.password_') || action.startsWith('auth.account_')) {
    const [activityId, activityName] = firstMatch(ACCOUNT_ACTIVITIES, action);
    return { classUid: 3001, className: 'Account Change', ...IAM, activityId, activityName };
  }
  if (action === 'rbac.role_change') {
    const removed = changeTypeOf(record) === 'removed';
    const [activityId, activityName] = removed
      ? [2, 'Revoke Privileges']
      : [1, 'Assign Privileges'];
    return {
      classUid: 3005,
      className: 'User Access Management',
      ...IAM,
      activityId,
      activityName,
    };
  }
  const [activityId, activityName] = apiActivity(record);
  return { classUid: 6003, className: 'API Activity', ...APPLICATION, activityId, activityName };
}

function apiActivity(record: StoredAuditRecord): readonly [number, string] {
  if (record.action === 'rbac.permission_change') {
    return CHANGE_TYPES[changeTypeOf(record) ?? ''] ?? [OTHER, 'Other'];
  }
  return firstMatch(API_VERBS, record.action);
}

function firstMatch(
  table: readonly (readonly [RegExp, number, string])[],
  action: string,
): readonly [number, string] {
  const found = table.find(([pattern]) => pattern.test(action));
  return found === undefined ? [OTHER, 'Other'] : [found[1], found[2]];
}

export function changeTypeOf(record: StoredAuditRecord): string | null {
  const payload = record.payload;
  if (typeof payload !== 'object' || payload === null) return null;
  const changeType = (payload as Record<string, unknown>)['changeType'];
  return typeof changeType === 'string' ? changeType : null;
}

/** OCSF `status_id` / `status`: 1 Success (success, granted), 2 Failure (failure, denied), 0 Unknown. */
export function ocsfStatusOf(outcome: AuditOutcome): readonly [number, string] {
  switch (outcome) {
    case 'success':
    case 'granted':
      return [1, 'Success'];
    case 'failure':
    case 'denied':
      return [2, 'Failure'];
    case 'unknown':
      return [0, 'Unknown'];
    default: {
      const never: never = outcome;
      return never;
    }
  }
}

/** OCSF `severity_id` / `severity`: a lockout is High, a failure Medium, a denial Low, else Informational. */
export function ocsfSeverityOf(record: StoredAuditRecord): readonly [number, string] {
  if (record.action === 'auth.account_locked') return [4, 'High'];
  if (record.outcome === 'failure') return [3, 'Medium'];
  if (record.outcome === 'denied') return [2, 'Low'];
  return [1, 'Informational'];
}
