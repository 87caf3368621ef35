import type { Clock, TimerHandle } from '../shared/clock.js';

export const BREAKER_STATES = ['closed', 'open', 'half_open'] as const;
export type BreakerState = (typeof BREAKER_STATES)[number];

export interface CircuitBreakerSettings {
  readonly failureThreshold: number;
  readonly cooldownMs: number;
}

export type BreakerListener = (from: BreakerState, to: BreakerState) => void;

/**
 * Isolates one failing consumer. Closed: deliveries flow and consecutive failures are
 * counted. Open (after `failureThreshold` in a row): nothing is delivered until
 * `cooldownMs` has passed. Half-open: one trial delivery; success closes, failure reopens.
 */
export class CircuitBreaker {
  readonly #settings: CircuitBreakerSettings;
  readonly #clock: Clock;
  readonly #listener: BreakerListener;
  #state: BreakerState = 'closed';
  #consecutiveFailures = 0;
  #trialInFlight = false;
  #timer: TimerHandle | undefined;

  constructor(settings: CircuitBreakerSettings, clock: Clock, listener: BreakerListener) {
    this.#settings = settings;
    this.#clock = clock;
    this.#listener = listener;
  }

  get state(): BreakerState {
    return this.#state;
  }

  get consecutiveFailures(): number {
    return this.#consecutiveFailures;
  }

  /** Whether a delivery may start now; in half-open state only one trial at a time may. */
  tryAcquire(): boolean {
    switch (this.#state) {
      case 'closed':
        return true;
      case 'open':
        return false;
      case 'half_open':
        if (this.#trialInFlight) return false;
        this.#trialInFlight = true;
        return true;
      default: {
        const unreachable: never = this.#state;
        return unreachable;
      }
    }
  }

  recordSuccess(): void {
    this.#consecutiveFailures = 0;
    this.#trialInFlight = false;
    if (this.#state !== 'closed') {
      this.dispose(); // a late success can close an open breaker: its old cooldown must not fire
      this.#transition('closed');
    }
  }

  /** Counts a failed attempt; returns true when the breaker is open afterwards. */
  recordFailure(): boolean {
    this.#consecutiveFailures++;
    this.#trialInFlight = false;
    if (
      this.#state === 'half_open' ||
      this.#consecutiveFailures >= this.#settings.failureThreshold
    ) {
      if (this.#state !== 'open') this.#open();
      return true;
    }
    return this.#state === 'open';
  }

  /** Releases a half-open trial slot that ended without an outcome for the consumer's health. */
  releaseTrial(): void {
    this.#trialInFlight = false;
  }

  dispose(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #open(): void {
    this.#transition('open');
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      if (this.#state === 'open') this.#transition('half_open');
    }, this.#settings.cooldownMs);
  }

  #transition(to: BreakerState): void {
    const from = this.#state;
    this.#state = to;
    this.#listener(from, to);
  }
}
