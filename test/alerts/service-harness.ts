import { createEventFactory, EventBusService } from '../../src/events/index.js';
import type {
  BaseEvent,
  BusObservation,
  DomainEvent,
  EventBusConfig,
} from '../../src/events/index.js';
import { AlertService, withAlertChannels } from '../../src/alerts/index.js';
import type { AlertServiceConfig } from '../../src/alerts/index.js';
import { FakeClock } from '../../src/shared/fake-clock.js';
import type { Database } from '../../src/storage/index.js';

const baseConfig: EventBusConfig = {
  channels: {
    security: {
      bufferSize: 1000,
      consumers: [],
      retryStrategy: { attempts: 3, backoff: 'exponential', initialDelay: 100, maxDelay: 5000 },
    },
    rbac: {
      bufferSize: 500,
      consumers: [],
      retryStrategy: { attempts: 2, backoff: 'fixed', delay: 200 },
    },
    // Short delivery backoff so the tests step through it quickly (the default is 1 s .. 5 min).
    alerts: {
      bufferSize: 100,
      consumers: ['alert-notifier-webhook'],
      retryStrategy: { attempts: 3, backoff: 'exponential', initialDelay: 100, maxDelay: 1000 },
    },
  },
  defaultConsumer: 'test-sink',
};

type Waiter = { match: (o: BusObservation) => boolean; resolve: (o: BusObservation) => void };

/** A bus with the alert channels, an alert service on `database`, and what the bus reported. */
export class ServiceHarness {
  readonly clock = new FakeClock();
  readonly bus: EventBusService;
  readonly security: DomainEvent<Record<string, unknown>>[] = [];
  readonly observations: BusObservation[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #createEvent = createEventFactory({ clock: this.clock });
  service!: AlertService;

  constructor() {
    this.bus = new EventBusService(withAlertChannels(baseConfig, ['webhook']), {
      clock: this.clock,
      observer: (o) => {
        this.#observed(o);
      },
    });
    this.bus.subscribe<DomainEvent<Record<string, unknown>>>('security', (event) => {
      this.security.push(event);
      return Promise.resolve();
    });
  }

  async start(
    database: Database,
    config: Omit<AlertServiceConfig, 'bus' | 'database' | 'clock'>,
  ): Promise<AlertService> {
    this.service = new AlertService({ bus: this.bus, database, clock: this.clock, ...config });
    await this.service.init();
    return this.service;
  }

  async emit(
    channel: string,
    type: string,
    data: object,
    metadata: Record<string, unknown> = {},
  ): Promise<BaseEvent> {
    const event = this.#createEvent({ type, source: 'test', data, metadata });
    await this.bus.emit(channel, event);
    return event;
  }

  /** The next observation matching `match` (or one already seen, counted from `from`). */
  next(match: (o: BusObservation) => boolean, from = 0): Promise<BusObservation> {
    const seen = this.observations.slice(from).find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  raised(): DomainEvent<Record<string, unknown>>[] {
    return this.security.filter((e) => e.type === 'alert.raised');
  }

  async close(): Promise<void> {
    this.service.close();
    await this.bus.close({ timeoutMs: 1_000 });
  }

  #observed(o: BusObservation): void {
    this.observations.push(o);
    for (const waiter of [...this.#waiters]) {
      if (!waiter.match(o)) continue;
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(o);
    }
  }
}
