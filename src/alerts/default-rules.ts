import type { AlertRule } from './rules.js';

const MINUTE = 60_000;

/**
 * Warden's default detection rules, as plain data (copy and edit them in config). Groups are
 * always split by tenant as well (see {@link AlertRule}).
 *
 * - `auth.brute_force`: 5 failed logins for one username of a tenant within 5 min. By
 *   username, not `data.userId`: failures for unknown users carry no user id.
 * - `auth.credential_stuffing`: failed logins from one IP for 10 distinct usernames within
 *   10 min.
 * - `auth.failures_then_success`: 5 failed logins then a successful one for the same
 *   username within 10 min (a guessed password).
 * - `rbac.privilege_escalation`: a role carrying admin permissions (`*:*` or `rbac:*`) is
 *   assigned. `rbac.role_change` names only the role, so the alert service looks the
 *   role up and sets `enrichment.adminRole` (see `AlertServiceConfig.isAdminRole`).
 * - `rbac.permission_denied_spike`: 20 denied permission checks for one user within 1 min.
 * - `tenancy.cross_tenant_operation`: any event with `metadata.crossTenant` true, per target
 *   tenant, raised in the source tenant.
 * - `system.dead_letters`: an event dead-lettered, per channel and consumer.
 * - `system.circuit_breaker_opened`: a consumer's breaker opened, per channel and consumer.
 */
export function defaultAlertRules(): AlertRule[] {
  return [
    {
      id: 'auth.brute_force',
      kind: 'threshold',
      title: 'Brute-force login attempts',
      description: 'Repeated failed logins for one account.',
      severity: 'high',
      match: { type: 'auth.login_failed' },
      groupBy: ['metadata.tenantId', 'data.username'],
      threshold: 5,
      windowMs: 5 * MINUTE,
      suppressMs: 15 * MINUTE,
    },
    {
      id: 'auth.credential_stuffing',
      kind: 'threshold',
      title: 'Credential stuffing',
      description: 'Failed logins from one IP address across many accounts.',
      severity: 'critical',
      match: { type: 'auth.login_failed' },
      groupBy: ['metadata.tenantId', 'metadata.ip'],
      distinct: 'data.username',
      threshold: 10,
      windowMs: 10 * MINUTE,
      suppressMs: 30 * MINUTE,
    },
    {
      id: 'auth.failures_then_success',
      kind: 'sequence',
      title: 'Login succeeded after repeated failures',
      description: 'Several failed logins followed by a successful one for the same account.',
      severity: 'critical',
      steps: [
        { match: { type: 'auth.login_failed' }, count: 5 },
        { match: { type: 'auth.login_succeeded' } },
      ],
      groupBy: ['metadata.tenantId', 'data.username'],
      windowMs: 10 * MINUTE,
      suppressMs: 10 * MINUTE,
    },
    {
      id: 'rbac.privilege_escalation',
      kind: 'threshold',
      title: 'Administrative role assigned',
      description: 'A role carrying admin permissions (*:* or rbac:*) was assigned to a user.',
      severity: 'critical',
      match: {
        type: 'rbac.role_change',
        where: [
          { path: 'data.changeType', op: 'eq', value: 'assigned' },
          { path: 'enrichment.adminRole', op: 'eq', value: true },
        ],
      },
      groupBy: ['metadata.tenantId', 'data.targetUserId', 'data.roleId'],
      threshold: 1,
      windowMs: MINUTE,
      suppressMs: 0,
    },
    {
      id: 'rbac.permission_denied_spike',
      kind: 'threshold',
      title: 'Spike of denied permission checks',
      description: 'Many permission checks denied for one user in a short time.',
      severity: 'medium',
      match: {
        type: 'rbac.permission_check',
        where: [{ path: 'data.granted', op: 'eq', value: false }],
      },
      groupBy: ['metadata.tenantId', 'data.userId'],
      threshold: 20,
      windowMs: MINUTE,
      suppressMs: 10 * MINUTE,
    },
    {
      id: 'tenancy.cross_tenant_operation',
      kind: 'threshold',
      title: 'Cross-tenant operation',
      description: 'An event crossed from one tenant to another.',
      severity: 'high',
      match: { typePrefix: '', where: [{ path: 'metadata.crossTenant', op: 'eq', value: true }] },
      groupBy: ['metadata.tenantId', 'metadata.targetTenantId'],
      threshold: 1,
      windowMs: MINUTE,
      suppressMs: 5 * MINUTE,
    },
    {
      id: 'system.dead_letters',
      kind: 'threshold',
      title: 'Events dead-lettered',
      description: 'A consumer gave up on an event; it waits in the dead-letter queue.',
      severity: 'high',
      match: { type: 'system.dead_letter.added' },
      groupBy: ['data.channel', 'data.consumer'],
      threshold: 1,
      windowMs: MINUTE,
      suppressMs: 15 * MINUTE,
    },
    {
      id: 'system.circuit_breaker_opened',
      kind: 'threshold',
      title: 'Circuit breaker opened',
      description: "A consumer's circuit breaker opened after repeated failures.",
      severity: 'high',
      match: { type: 'system.circuit_breaker.opened' },
      groupBy: ['data.channel', 'data.consumer'],
      threshold: 1,
      windowMs: MINUTE,
      suppressMs: 15 * MINUTE,
    },
  ];
}
