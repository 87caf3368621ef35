import type { ValidationIssue } from '../events/index.js';

/** Which permission decisions are emitted as `rbac.permission_check` events. */
export const DECISION_LOG_MODES = ['all', 'denied'] as const;
export type DecisionLogMode = (typeof DECISION_LOG_MODES)[number];

/**
 * Decision logging volume. Default: every decision (`all`, sample rate 1), as the spec asks.
 * `denied` emits denials only; `grantedSampleRate` (0 to 1) emits that share of grants in
 * `all` mode. Denials are always emitted.
 */
export interface DecisionLogConfig {
  readonly mode?: DecisionLogMode;
  readonly grantedSampleRate?: number;
}

/** Decides, per decision, whether to emit it. `random` is injected for tests. */
export class DecisionLog {
  readonly #logGranted: boolean;
  readonly #sampleRate: number;
  readonly #random: () => number;

  constructor(config: DecisionLogConfig, random: () => number) {
    this.#logGranted = (config.mode ?? 'all') === 'all';
    this.#sampleRate = config.grantedSampleRate ?? 1;
    this.#random = random;
  }

  shouldLog(granted: boolean): boolean {
    if (!granted) return true;
    if (!this.#logGranted) return false;
    return this.#sampleRate >= 1 || this.#random() < this.#sampleRate;
  }
}

/** Lists what is wrong with a decision log config (empty when valid). */
export function decisionLogIssues(config: unknown, path: string): ValidationIssue[] {
  if (config === undefined) return [];
  if (typeof config !== 'object' || config === null) return [{ path, reason: 'must be an object' }];
  const { mode, grantedSampleRate } = config as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  if (mode !== undefined && !DECISION_LOG_MODES.includes(mode as DecisionLogMode)) {
    issues.push({
      path: `${path}.mode`,
      reason: `must be one of ${DECISION_LOG_MODES.join(', ')}`,
    });
  }
  if (
    grantedSampleRate !== undefined &&
    (typeof grantedSampleRate !== 'number' || !(grantedSampleRate >= 0 && grantedSampleRate <= 1))
  ) {
    issues.push({ path: `${path}.grantedSampleRate`, reason: 'must be a number from 0 to 1' });
  }
  return issues;
}
