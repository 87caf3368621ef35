import type { LogStatusKind } from './log/contract.js';
import type { BreakerState } from './circuit-breaker.js';
import type { DeadLetterReason } from './dead-letters.js';
import type { Priority } from './schema.js';

/**
 * What the bus reports to observers (metrics, logs), tagged on `kind`. Observers run
 * synchronously on the delivery path: keep them cheap and never throw.
 */
export type BusObservation =
  | {
      readonly kind: 'emitted';
      readonly channel: string;
      readonly priority: Priority;
      readonly duplicate: boolean;
    }
  | { readonly kind: 'rejected'; readonly channel: string; readonly code: string }
  | {
      readonly kind: 'delivered';
      readonly channel: string;
      readonly consumer: string;
      readonly latencyMs: number;
    }
  | {
      readonly kind: 'failed';
      readonly channel: string;
      readonly consumer: string;
      readonly attempt: number;
      readonly error: string;
    }
  | {
      readonly kind: 'retry_scheduled';
      readonly channel: string;
      readonly consumer: string;
      readonly delayMs: number;
    }
  | {
      readonly kind: 'dead_lettered';
      readonly channel: string;
      readonly consumer: string;
      readonly reason: DeadLetterReason;
    }
  | {
      readonly kind: 'breaker_changed';
      readonly channel: string;
      readonly consumer: string;
      readonly from: BreakerState;
      readonly to: BreakerState;
    }
  | { readonly kind: 'log_status'; readonly status: LogStatusKind; readonly detail?: string }
  | {
      readonly kind: 'internal_error';
      readonly channel: string;
      readonly where: string;
      readonly error: string;
    };

export type BusObserver = (observation: BusObservation) => void;

/** Running totals of one consumer of one channel. */
export interface ConsumerCounters {
  delivered: number;
  failed: number;
  retried: number;
  deadLettered: number;
  skipped: number;
}

export interface ConsumerHealth extends Readonly<ConsumerCounters> {
  readonly consumer: string;
  readonly kind: 'named' | 'anonymous';
  /** Whether a subscription is attached right now. */
  readonly subscribed: boolean;
  /** Events appended and not yet acknowledged by this consumer. */
  readonly lag: number;
  /** Handler calls running now. */
  readonly inFlight: number;
  readonly breaker: BreakerState;
}

export interface ChannelHealth {
  readonly channel: string;
  /** Events held for the slowest consumer. */
  readonly retained: number;
  readonly bufferSize: number;
  /** Emits waiting for room. */
  readonly waitingEmits: number;
  readonly deadLetters: number;
  readonly consumers: readonly ConsumerHealth[];
}

export interface BusHealth {
  readonly status: 'ok' | 'degraded' | 'closed';
  readonly log: string;
  /** The log's connection state (`connected` for local logs). */
  readonly logStatus: LogStatusKind;
  readonly channels: readonly ChannelHealth[];
}
