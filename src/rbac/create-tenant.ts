import type { Kysely } from 'kysely';
import type { Database } from '../storage/index.js';
import type { Clock } from '../shared/clock.js';
import { runWithContext, getRequestContext } from '../tenancy/index.js';
import { RbacError } from './errors.js';
import { isValidName } from './policy/index.js';
import type { RbacEventProducer } from './rbac-event-producer.js';
import { rbacStore } from './store/rbac-store.js';
import type { RbacTables } from './store/rbac-tables.js';

export interface CreateTenantOptions {
  /** Display name; default the id. */
  readonly name?: string;
  /** A first administrator: added as a user and given `tenant-admin` (`*:*`) tenant-wide. */
  readonly adminUserId?: string;
}

/** The role a tenant's first administrator gets. */
export const TENANT_ADMIN_ROLE = Object.freeze({
  id: 'tenant-admin',
  name: 'tenant-admin',
  permissions: ['*:*'],
  inherits: [],
});

/** See `RbacService#createTenant`. The tenant starts at revision 1 with whatever it was seeded with. */
export async function createTenant(
  database: Database,
  events: RbacEventProducer,
  clock: Clock,
  tenantId: string,
  options: CreateTenantOptions,
): Promise<number> {
  for (const [field, value] of [
    ['tenantId', tenantId],
    ['name', options.name ?? tenantId],
    ['adminUserId', options.adminUserId ?? 'x'],
  ] as const) {
    if (!isValidName(value)) {
      throw new RbacError(
        'RBAC_NAME_INVALID',
        `${field} must be 1 to 128 characters without control characters`,
        { details: { field } },
      );
    }
  }
  const context = { ...getRequestContext(), tenantId };
  await runWithContext(context, () =>
    database.transaction(async (trx) => {
      const db = trx as unknown as Kysely<RbacTables>;
      if ((await rbacStore.tenantRevision(db, tenantId)) !== null) {
        throw new RbacError('RBAC_TENANT_EXISTS', `tenant '${tenantId}' already exists`, {
          details: { tenantId },
        });
      }
      const at = clock.now();
      await rbacStore.createTenant(db, tenantId, options.name ?? tenantId, at);
      const admin = options.adminUserId;
      if (admin !== undefined) {
        const stamp = { actor: 'system', at };
        await rbacStore.write(db, tenantId, { kind: 'user_added', userId: admin }, stamp);
        await rbacStore.write(db, tenantId, { kind: 'role_put', role: TENANT_ADMIN_ROLE }, stamp);
        const assignment = {
          userId: admin,
          roleId: TENANT_ADMIN_ROLE.id,
          entityId: null,
          expiresAt: null,
        };
        await rbacStore.write(db, tenantId, { kind: 'assignment_added', assignment }, stamp);
      }
      await events.logPermissionChange('system', 'created', undefined, undefined, {
        revision: 1,
        tenantId,
        ...(admin === undefined ? {} : { adminUserId: admin }),
      });
    }),
  );
  return 1;
}
