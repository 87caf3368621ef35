/** Label value for every anonymous subscription of a channel (`~anonymous-<n>` on the bus). */
export const ANONYMOUS_CONSUMER_LABEL = '~anonymous';
/** Label value for whatever is past a cardinality cap. */
export const OVERFLOW_LABEL = '_other';

export interface LabelLimits {
  /** Distinct `channel` label values; later channels share `_other`. */
  readonly maxChannels: number;
  /** Distinct `consumer` label values per channel; later consumers share `_other`. */
  readonly maxConsumersPerChannel: number;
}

/**
 * Keeps `channel` and `consumer` label values bounded, whatever the workload does: anonymous
 * subscriptions fold into one value (each has a fresh name), and values past the caps share
 * `_other`. Tenant and user ids never become labels anywhere in this subsystem.
 */
export class LabelBudget {
  readonly #limits: LabelLimits;
  readonly #consumers = new Map<string, Set<string>>();

  constructor(limits: LabelLimits) {
    this.#limits = limits;
  }

  /** The label value for `channel` (admitting it while there is room). */
  channel(channel: string): string {
    if (this.#consumers.has(channel)) return channel;
    if (this.#consumers.size >= this.#limits.maxChannels) return OVERFLOW_LABEL;
    this.#consumers.set(channel, new Set());
    return channel;
  }

  /** The label value for `consumer` of the already-labelled `channelLabel`. */
  consumer(channelLabel: string, consumer: string): string {
    if (isAnonymous(consumer)) return ANONYMOUS_CONSUMER_LABEL;
    let admitted = this.#consumers.get(channelLabel);
    if (admitted === undefined) {
      admitted = new Set();
      this.#consumers.set(channelLabel, admitted); // only `_other` gets here
    }
    if (admitted.has(consumer)) return consumer;
    if (admitted.size >= this.#limits.maxConsumersPerChannel) return OVERFLOW_LABEL;
    admitted.add(consumer);
    return consumer;
  }
}

/** The bus names anonymous subscriptions `~anonymous-<n>`; `~` is not valid in a named consumer. */
export function isAnonymous(consumer: string): boolean {
  return consumer.charCodeAt(0) === 126;
}

/** A bounded label for free-form but usually small sets (error codes, reasons). */
export class BoundedLabel {
  readonly #seen = new Set<string>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  of(value: string): string {
    if (this.#seen.has(value)) return value;
    if (this.#seen.size >= this.#max) return OVERFLOW_LABEL;
    this.#seen.add(value);
    return value;
  }
}
