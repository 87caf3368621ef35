import type { Registry } from 'prom-client';
import { DEAD_LETTER_REASONS } from '../events/index.js';
import type {
  BreakerState,
  BusObservation,
  BusObserver,
  DeadLetterReason,
} from '../events/index.js';
import { CellCounter } from './cell-counter.js';
import type { CounterCell } from './cell-counter.js';
import { CellHistogram } from './cell-histogram.js';
import type { HistogramCell } from './cell-histogram.js';
import { ANONYMOUS_CONSUMER_LABEL, BoundedLabel, isAnonymous } from './label-budget.js';
import type { LabelBudget } from './label-budget.js';

/** Delivery latency buckets (seconds): 100 µs to 10 s. */
export const BUS_LATENCY_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

const BREAKER_TARGETS: readonly BreakerState[] = ['closed', 'open', 'half_open'];

interface ConsumerCells {
  readonly delivered: CounterCell;
  readonly failed: CounterCell;
  readonly retried: CounterCell;
  readonly deadLettered: Readonly<Record<DeadLetterReason, CounterCell>>;
  readonly breakerTo: Readonly<Record<BreakerState, CounterCell>>;
  readonly latency: HistogramCell;
}

interface ChannelCells {
  readonly label: string;
  readonly emitted: CounterCell;
  readonly deduplicated: CounterCell;
  readonly consumers: Map<string, ConsumerCells>;
  anonymous: ConsumerCells | undefined;
  overflow: ConsumerCells | undefined;
}

/**
 * The bus's counters and delivery latency, fed by a `BusObserver`. Every series is resolved
 * once per (channel, consumer) and cached, so an observation costs two map lookups and a few
 * additions; nothing is allocated per event.
 */
export class BusMetrics {
  readonly #labels: LabelBudget;
  readonly #emitted: CellCounter;
  readonly #deduplicated: CellCounter;
  readonly #rejected: CellCounter;
  readonly #delivered: CellCounter;
  readonly #failed: CellCounter;
  readonly #retried: CellCounter;
  readonly #deadLettered: CellCounter;
  readonly #breakerTransitions: CellCounter;
  readonly #logStatus: CellCounter;
  readonly #internalErrors: CellCounter;
  readonly #latency: CellHistogram;
  readonly #channels = new Map<string, ChannelCells>();
  #overflow: ChannelCells | undefined;
  readonly #codes = new BoundedLabel(32);
  readonly #places = new BoundedLabel(32);
  /** The observer handed to `EventBusService` (`options.observer`). */
  readonly observer: BusObserver;

  constructor(registry: Registry, labels: LabelBudget) {
    this.#labels = labels;
    const counter = (name: string, help: string, labelNames: readonly string[]): CellCounter =>
      new CellCounter(registry, `warden_bus_${name}`, help, labelNames);
    const cc = ['channel', 'consumer'] as const;
    this.#emitted = counter('events_emitted_total', 'Events accepted by a channel.', ['channel']);
    this.#deduplicated = counter(
      'events_deduplicated_total',
      'Emits accepted as repeats of an idempotency key and not delivered again.',
      ['channel'],
    );
    this.#rejected = counter('emits_rejected_total', 'Emits refused, by error code.', [
      'channel',
      'code',
    ]);
    this.#delivered = counter('events_delivered_total', 'Events a consumer acknowledged.', cc);
    this.#failed = counter('events_failed_total', 'Failed delivery attempts.', cc);
    this.#retried = counter('events_retried_total', 'Retries scheduled after a failure.', cc);
    this.#deadLettered = counter('events_dead_lettered_total', 'Events dead-lettered.', [
      ...cc,
      'reason',
    ]);
    this.#breakerTransitions = counter(
      'breaker_transitions_total',
      'Circuit breaker state changes, by the state entered.',
      [...cc, 'to'],
    );
    this.#logStatus = counter('log_status_changes_total', "The event log's connection reports.", [
      'status',
    ]);
    this.#internalErrors = counter('internal_errors_total', "Errors in the bus's own work.", [
      'where',
    ]);
    this.#latency = new CellHistogram(
      registry,
      'warden_bus_delivery_latency_seconds',
      'Time from append to acknowledgement by the consumer (clock resolution: 1 ms).',
      cc,
      BUS_LATENCY_BUCKETS_SECONDS,
    );
    this.observer = (observation) => {
      this.#observe(observation);
    };
  }

  #observe(o: BusObservation): void {
    switch (o.kind) {
      case 'delivered': {
        const cells = this.#consumer(o.channel, o.consumer);
        cells.delivered.value++;
        cells.latency.observe(o.latencyMs / 1000);
        return;
      }
      case 'emitted': {
        const cells = this.#channel(o.channel);
        if (o.duplicate) cells.deduplicated.value++;
        else cells.emitted.value++;
        return;
      }
      case 'failed':
        this.#consumer(o.channel, o.consumer).failed.value++;
        return;
      case 'retry_scheduled':
        this.#consumer(o.channel, o.consumer).retried.value++;
        return;
      case 'dead_lettered':
        this.#consumer(o.channel, o.consumer).deadLettered[o.reason].value++;
        return;
      case 'breaker_changed':
        this.#consumer(o.channel, o.consumer).breakerTo[o.to].value++;
        return;
      case 'rejected':
        this.#rejected.cell(this.#channel(o.channel).label, this.#codes.of(o.code)).value++;
        return;
      case 'log_status':
        this.#logStatus.cell(o.status).value++;
        return;
      case 'internal_error':
        this.#internalErrors.cell(this.#places.of(o.where)).value++;
        return;
      default: {
        const unknown: never = o;
        return unknown;
      }
    }
  }

  #channel(channel: string): ChannelCells {
    return this.#channels.get(channel) ?? this.#addChannel(channel);
  }

  #addChannel(channel: string): ChannelCells {
    const label = this.#labels.channel(channel);
    // Channels past the cap are not remembered one by one: the bus validates their names, but
    // a producer could still open them without end.
    if (label !== channel) return (this.#overflow ??= this.#channelCells(label));
    const cells = this.#channelCells(label);
    this.#channels.set(channel, cells);
    return cells;
  }

  #channelCells(label: string): ChannelCells {
    return {
      label,
      emitted: this.#emitted.cell(label),
      deduplicated: this.#deduplicated.cell(label),
      consumers: new Map(),
      anonymous: undefined,
      overflow: undefined,
    };
  }

  #consumer(channel: string, consumer: string): ConsumerCells {
    const cells = this.#channel(channel);
    if (isAnonymous(consumer)) {
      return (cells.anonymous ??= this.#consumerCells(cells.label, ANONYMOUS_CONSUMER_LABEL));
    }
    return cells.consumers.get(consumer) ?? this.#addConsumer(cells, consumer);
  }

  #addConsumer(channel: ChannelCells, consumer: string): ConsumerCells {
    const label = this.#labels.consumer(channel.label, consumer);
    if (label !== consumer) return (channel.overflow ??= this.#consumerCells(channel.label, label));
    const cells = this.#consumerCells(channel.label, label);
    channel.consumers.set(consumer, cells);
    return cells;
  }

  #consumerCells(c: string, k: string): ConsumerCells {
    const byReason = (reason: DeadLetterReason): [DeadLetterReason, CounterCell] => [
      reason,
      this.#deadLettered.cell(c, k, reason),
    ];
    const byState = (state: BreakerState): [BreakerState, CounterCell] => [
      state,
      this.#breakerTransitions.cell(c, k, state),
    ];
    return {
      delivered: this.#delivered.cell(c, k),
      failed: this.#failed.cell(c, k),
      retried: this.#retried.cell(c, k),
      deadLettered: Object.fromEntries(DEAD_LETTER_REASONS.map(byReason)) as Record<
        DeadLetterReason,
        CounterCell
      >,
      breakerTo: Object.fromEntries(BREAKER_TARGETS.map(byState)) as Record<
        BreakerState,
        CounterCell
      >,
      latency: this.#latency.cell(c, k),
    };
  }
}
