import type { Check, Metrics } from '../lib/types.js';

export interface MutableSummary {
  readonly notes: string[];
  readonly checks: Check[];
}

export const percent = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`;

/** A rate in whole events per second, for checks and notes. */
export const perSec = (value: number): string =>
  `${Math.round(value).toLocaleString('en-US')} events/s`;

/** The case with the highest `key` among `names` (e.g. the best producer window). */
export function best(
  measured: ReadonlyMap<string, Metrics>,
  names: readonly string[],
  key = 'deliveredPerSec',
): { name: string; value: number } | undefined {
  let found: { name: string; value: number } | undefined;
  for (const name of names) {
    const value = measured.get(name)?.[key];
    if (value !== undefined && (found === undefined || value > found.value))
      found = { name, value };
  }
  return found;
}

/** Every case that counts deliveries: each accepted event reached each consumer exactly once. */
export function deliveryChecks(
  measured: ReadonlyMap<string, Metrics>,
  summary: MutableSummary,
): void {
  for (const [caseName, metrics] of measured) {
    const lost = metrics['lost'];
    const duplicates = metrics['duplicates'];
    if (lost === undefined || duplicates === undefined) continue;
    summary.checks.push({
      name: `${caseName}: every accepted event reached every consumer once`,
      target: '0 lost, 0 duplicates',
      actual: `${lost} lost, ${duplicates} duplicates`,
      pass: lost === 0 && duplicates === 0,
    });
  }
}
