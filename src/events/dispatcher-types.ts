import type { Clock } from '../shared/clock.js';
import type { BreakerState } from './circuit-breaker.js';
import type { RetryStrategy } from './config.js';
import type { DeadLetter } from './dead-letters.js';
import type { BusObserver, ConsumerCounters } from './observer.js';
import type { BaseEvent } from './schema.js';
import type { TurnBudget } from './turn-budget.js';

/** How a subscription processes events: one at a time, or in batches. */
export type ConsumerHandler =
  | { readonly kind: 'single'; readonly handle: (event: BaseEvent) => Promise<void> }
  | { readonly kind: 'batch'; readonly handle: (events: BaseEvent[]) => Promise<void> };

export interface DispatcherSettings {
  readonly channel: string;
  readonly consumer: string;
  readonly handler: ConsumerHandler;
  readonly retryStrategy: RetryStrategy;
  readonly failureThreshold: number;
  readonly cooldownMs: number;
  /** Entries fetched from the log and not yet acknowledged, at most. */
  readonly prefetch: number;
  /** Largest batch handed to a batch handler. */
  readonly batchSize: number;
  readonly maxConcurrency: number;
  readonly orderingKey: (event: BaseEvent) => string;
  readonly filter: ((event: BaseEvent) => boolean) | undefined;
}

export interface DispatcherContext {
  readonly clock: Clock;
  readonly newId: () => string;
  readonly counters: ConsumerCounters;
  readonly observe: BusObserver | undefined;
  /** Shared by the bus's dispatchers: tells a long drain when to let the event loop run. */
  readonly turnBudget: TurnBudget;
  readonly onBreakerChange: (from: BreakerState, to: BreakerState) => void;
  readonly onDeadLetter: (record: DeadLetter) => void;
}

/** How a key's run ended: drained (or moved on), waiting for a retry timer, or held by the breaker. */
export type Outcome = 'done' | 'waiting' | 'parked';
