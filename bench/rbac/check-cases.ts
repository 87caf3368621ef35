/** Check-rate cases (warm and cold) for each subject, with the heap each one holds. */
import type { BenchCase, BenchOptions } from '../lib/types.js';
import { built, checkRate, verify } from './measure.js';
import {
  CasbinDomainsSubject,
  CasbinPerTenantSubject,
  CaslSubject,
  WardenSubject,
} from './subjects.js';
import { generateWorkload } from './workload.js';
import type { Query, Workload } from './workload.js';

/** One engine as the check cases see it. */
export interface CheckSubject {
  check(q: Query): boolean;
  coldCheck?(q: Query): boolean;
}

export interface CheckCaseSpec {
  readonly name: string;
  readonly description: string;
  readonly build: (workload: Workload) => CheckSubject | Promise<CheckSubject>;
  readonly mode: 'warm' | 'cold';
  /** Queries used (a prefix of the shuffled list) when the full list would take too long. */
  readonly sample?: number;
}

/** A case: generate the workload, build the subject, verify every answer, then time checks. */
export function checkCase(spec: CheckCaseSpec): BenchCase {
  return {
    name: spec.name,
    description: spec.description,
    async run(options: BenchOptions) {
      const workload = generateWorkload();
      const { subject, heapBytes, buildMs } = await built(() => spec.build(workload));
      const queries =
        spec.sample === undefined
          ? workload.queries
          : workload.queries.slice(0, Math.max(50, Math.round(spec.sample * options.scale)));
      const check =
        spec.mode === 'cold' ? coldOf(subject, spec.name) : (q: Query) => subject.check(q);
      verify(queries, check, spec.name);
      if (spec.sample === undefined) verify(queries, check, spec.name); // a second pass warms the JIT
      const rate = checkRate(queries, check, options.scale);
      const notes = [
        `${queries.length.toLocaleString('en-US')} queries, every answer equal to the reference; ${(rate.grantedShare * 100).toFixed(1)}% granted`,
      ];
      return {
        metrics: { ...rate, queries: queries.length, mismatches: 0, heapBytes, buildMs },
        notes,
      };
    },
  };
}

function coldOf(subject: CheckSubject, name: string): (q: Query) => boolean {
  const cold = subject.coldCheck?.bind(subject);
  if (cold === undefined) throw new Error(`${name}: the subject has no cold check`);
  return cold;
}

export const checkCases: readonly BenchCase[] = [
  checkCase({
    name: 'warden-warm',
    description:
      'Warden TenantPolicy.check, compiled permission sets cached (engine only, no emission)',
    build: (w) => new WardenSubject(w),
    mode: 'warm',
  }),
  checkCase({
    name: 'warden-cold',
    description:
      "Warden, the user's compiled set dropped before every check (computed from scratch)",
    build: (w) => new WardenSubject(w),
    mode: 'cold',
  }),
  checkCase({
    name: 'casl-warm',
    description: 'CASL ability.can, one prebuilt ability per user',
    build: (w) => new CaslSubject(w),
    mode: 'warm',
  }),
  checkCase({
    name: 'casl-cold',
    description: "CASL, the user's ability built from its rules before every check",
    build: (w) => new CaslSubject(w),
    mode: 'cold',
  }),
  checkCase({
    name: 'casbin-per-tenant',
    description: 'casbin enforceSync, one enforcer (plain RBAC model) per tenant',
    build: (w) => CasbinPerTenantSubject.create(w),
    mode: 'warm',
  }),
  checkCase({
    name: 'casbin-domains',
    description:
      'casbin enforceSync, one enforcer for all tenants (RBAC with domains); a sample of the queries',
    build: (w) => CasbinDomainsSubject.create(w),
    mode: 'warm',
    sample: 500,
  }),
];
