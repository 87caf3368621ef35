import { PermanentFailure } from '../events/index.js';
import type { BaseEvent } from '../events/index.js';
import type { RaisedAlert } from './alert-engine.js';
import { SEVERITIES } from './rules.js';
import type { Severity } from './rules.js';

const STRING_FIELDS = ['id', 'tenantId', 'ruleId', 'title', 'description', 'groupKey'] as const;
const NUMBER_FIELDS = ['count', 'firstEventAt', 'lastEventAt', 'raisedAt'] as const;

/**
 * Reads the alert out of an `alert.raised` event (bus payloads are parsed at the boundary).
 * @throws PermanentFailure when the event is not a well-formed `alert.raised` (retrying cannot help).
 */
export function parseRaisedAlert(event: BaseEvent): RaisedAlert {
  const data: unknown = (event as { data?: unknown }).data;
  if (event.type !== 'alert.raised' || typeof data !== 'object' || data === null)
    throw new PermanentFailure(`not an alert.raised event: ${event.type}`);
  const record = data as Record<string, unknown>;
  const bad =
    STRING_FIELDS.some((k) => typeof record[k] !== 'string') ||
    NUMBER_FIELDS.some((k) => typeof record[k] !== 'number') ||
    !SEVERITIES.includes(record['severity'] as Severity) ||
    (record['ruleKind'] !== 'threshold' && record['ruleKind'] !== 'sequence') ||
    !Array.isArray(record['eventIds']) ||
    !record['eventIds'].every((id) => typeof id === 'string') ||
    typeof record['group'] !== 'object' ||
    record['group'] === null;
  if (bad) throw new PermanentFailure('malformed alert.raised payload');
  return {
    id: record['id'] as string,
    tenantId: record['tenantId'] as string,
    ruleId: record['ruleId'] as string,
    ruleKind: record['ruleKind'] as RaisedAlert['ruleKind'],
    severity: record['severity'] as Severity,
    title: record['title'] as string,
    description: record['description'] as string,
    groupKey: record['groupKey'] as string,
    group: record['group'] as Record<string, string>,
    eventIds: record['eventIds'] as string[],
    count: record['count'] as number,
    firstEventAt: record['firstEventAt'] as number,
    lastEventAt: record['lastEventAt'] as number,
    raisedAt: record['raisedAt'] as number,
  };
}
