import type {
  CheckOptions,
  Decision,
  EffectivePermission,
  Explanation,
  PolicyChange,
  TenantPolicyData,
} from './types.js';

const NOT_YET = 'TenantPolicy: not implemented yet';

/** The in-memory RBAC policy of one tenant (stub: the implementation follows). */
export class TenantPolicy {
  readonly tenantId: string;
  #revision: number;

  private constructor(data: TenantPolicyData) {
    this.tenantId = data.tenantId;
    this.#revision = data.revision;
  }

  static fromData(data: TenantPolicyData): TenantPolicy {
    return new TenantPolicy(data);
  }

  get revision(): number {
    return this.#revision;
  }

  check(_userId: string, _resource: string, _action: string, _options: CheckOptions): Decision {
    throw new Error(NOT_YET);
  }

  explain(
    _userId: string,
    _resource: string,
    _action: string,
    _options: CheckOptions,
  ): Explanation {
    throw new Error(NOT_YET);
  }

  effectivePermissions(_userId: string, _options: CheckOptions): readonly EffectivePermission[] {
    throw new Error(NOT_YET);
  }

  usersWith(_resource: string, _action: string, _options: CheckOptions): readonly string[] {
    throw new Error(NOT_YET);
  }

  apply(_change: PolicyChange, _revision: number): boolean {
    throw new Error(NOT_YET);
  }

  findCycle(_roleId: string, _inherits: readonly string[]): readonly string[] | null {
    throw new Error(NOT_YET);
  }

  missingPermissions(
    _userId: string,
    _permissions: readonly string[],
    _options: CheckOptions,
  ): readonly string[] {
    throw new Error(NOT_YET);
  }

  rolePermissions(_roleId: string): readonly string[] {
    throw new Error(NOT_YET);
  }

  hasUser(_userId: string): boolean {
    throw new Error(NOT_YET);
  }

  hasRole(_roleId: string): boolean {
    throw new Error(NOT_YET);
  }

  hasEntity(_entityId: string): boolean {
    throw new Error(NOT_YET);
  }

  isWithin(_entityId: string, _ancestorId: string): boolean {
    throw new Error(NOT_YET);
  }

  toData(): TenantPolicyData {
    throw new Error(NOT_YET);
  }

  invalidateUser(_userId: string): void {
    throw new Error(NOT_YET);
  }

  invalidateAll(): void {
    throw new Error(NOT_YET);
  }

  isCached(_userId: string): boolean {
    throw new Error(NOT_YET);
  }
}
