import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { BreakerState, BusHealth } from '../events/index.js';
import { CellCounter } from './cell-counter.js';
import type { LabelBudget } from './label-budget.js';

/** Where lag, in-flight and breaker gauges come from: an `EventBusService`. */
export interface BusHealthSource {
  health(): Promise<BusHealth>;
}

/** `warden_bus_breaker_state` values. */
export const BREAKER_STATE_VALUES: Readonly<Record<BreakerState, number>> = Object.freeze({
  closed: 0,
  half_open: 1,
  open: 2,
});

interface ConsumerRow {
  readonly labels: { readonly channel: string; readonly consumer: string };
  lag: number;
  inFlight: number;
  breaker: number;
}

interface ChannelRow {
  readonly labels: { readonly channel: string };
  retained: number;
  deadLetters: number;
  waitingEmits: number;
}

interface Snapshot {
  readonly consumers: readonly ConsumerRow[];
  readonly channels: readonly ChannelRow[];
  readonly logConnected: number;
}

const EMPTY: Snapshot = { consumers: [], channels: [], logConnected: 0 };

/**
 * Gauges read from `health()` when Prometheus scrapes: one `health()` call per scrape, shared
 * by every gauge. Consumers that share a label (anonymous ones, past the caps) are summed;
 * their breaker gauge shows the worst state.
 */
export class BusHealthMetrics {
  readonly #labels: LabelBudget;
  readonly #errors: CellCounter;
  #source: BusHealthSource | undefined;
  #pending: Promise<Snapshot> | undefined;

  constructor(registry: Registry, labels: LabelBudget) {
    this.#labels = labels;
    const snapshot = (): Promise<Snapshot> => this.#snapshot();
    // Read after the scrape's health() settled, so a failure is counted in the same scrape.
    this.#errors = new CellCounter(
      registry,
      'warden_metrics_collect_errors_total',
      'Scrape-time sources that failed (their gauges were left out of that scrape).',
      ['source'],
      snapshot,
    );
    const consumerGauge = (
      name: string,
      help: string,
      pick: (row: ConsumerRow) => number,
    ): void => {
      new Gauge({
        name,
        help,
        labelNames: ['channel', 'consumer'],
        registers: [registry],
        async collect() {
          const { consumers } = await snapshot();
          this.reset();
          for (const row of consumers) this.set(row.labels, pick(row));
        },
      });
    };
    const channelGauge = (name: string, help: string, pick: (row: ChannelRow) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['channel'],
        registers: [registry],
        async collect() {
          const { channels } = await snapshot();
          this.reset();
          for (const row of channels) this.set(row.labels, pick(row));
        },
      });
    };
    consumerGauge(
      'warden_bus_consumer_lag_events',
      'Events appended and not yet acknowledged by the consumer.',
      (row) => row.lag,
    );
    consumerGauge(
      'warden_bus_consumer_in_flight',
      'Handler calls running now.',
      (row) => row.inFlight,
    );
    consumerGauge(
      'warden_bus_breaker_state',
      'Circuit breaker state: 0 closed, 1 half-open, 2 open.',
      (row) => row.breaker,
    );
    channelGauge(
      'warden_bus_channel_retained_events',
      'Events the channel holds for its slowest consumer.',
      (row) => row.retained,
    );
    channelGauge(
      'warden_bus_dead_letters',
      "Events in the channel's dead-letter queue.",
      (row) => row.deadLetters,
    );
    channelGauge(
      'warden_bus_emits_waiting',
      'Emits waiting for room in the channel.',
      (row) => row.waitingEmits,
    );
    new Gauge({
      name: 'warden_bus_log_connected',
      help: '1 while the event log is connected (always 1 for local logs), else 0.',
      registers: [registry],
      async collect() {
        this.set((await snapshot()).logConnected);
      },
    });
  }

  /** Reads gauges from `source` from now on (replacing an earlier source). */
  track(source: BusHealthSource): void {
    this.#source = source;
  }

  /** One `health()` call serves every gauge of a scrape: they all ask in the same tick. */
  #snapshot(): Promise<Snapshot> {
    this.#pending ??= this.#read().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #read(): Promise<Snapshot> {
    const source = this.#source;
    if (source === undefined) return EMPTY;
    try {
      return this.#fold(await source.health());
    } catch {
      // A failing source must not fail the scrape: its gauges go missing and this counts it.
      this.#errors.cell('bus_health').value++;
      return EMPTY;
    }
  }

  #fold(health: BusHealth): Snapshot {
    const consumers = new Map<string, ConsumerRow>();
    const channels = new Map<string, ChannelRow>();
    for (const channelHealth of health.channels) {
      const channel = this.#labels.channel(channelHealth.channel);
      const row = getOrAdd(channels, channel, () => ({
        labels: { channel },
        retained: 0,
        deadLetters: 0,
        waitingEmits: 0,
      }));
      row.retained += channelHealth.retained;
      row.deadLetters += channelHealth.deadLetters;
      row.waitingEmits += channelHealth.waitingEmits;
      for (const c of channelHealth.consumers) {
        const consumer = this.#labels.consumer(channel, c.consumer);
        const cRow = getOrAdd(consumers, `${channel}\u0000${consumer}`, () => ({
          labels: { channel, consumer },
          lag: 0,
          inFlight: 0,
          breaker: 0,
        }));
        cRow.lag += c.lag;
        cRow.inFlight += c.inFlight;
        cRow.breaker = Math.max(cRow.breaker, BREAKER_STATE_VALUES[c.breaker]);
      }
    }
    const connected = health.logStatus === 'connected' || health.logStatus === 'reconnected';
    return {
      consumers: [...consumers.values()],
      channels: [...channels.values()],
      logConnected: connected ? 1 : 0,
    };
  }
}

function getOrAdd<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}
