import { randomUUID } from 'node:crypto';
import { EventBusService } from '../../src/events/index.js';
import type { BaseEvent, EventBusConfig } from '../../src/events/index.js';
import { RbacService } from '../../src/rbac/index.js';
import type { RbacServiceConfig } from '../../src/rbac/index.js';
import { FakeClock } from '../../src/shared/fake-clock.js';
import type { Database } from '../../src/storage/index.js';

/** The spec's rbac channel, with only the consumer RBAC itself runs (no audit-logger yet). */
export const busConfig: EventBusConfig = {
  channels: {
    rbac: {
      bufferSize: 500,
      consumers: ['permission-cache-invalidator'],
      retryStrategy: { attempts: 2, backoff: 'fixed', delay: 200 },
    },
  },
  defaultConsumer: 'default',
};

export const newTenant = (): string => `tenant-${randomUUID().slice(0, 8)}`;

/** A bus, an RBAC service on `database`, a fake clock and every `rbac` event seen. */
export class RbacHarness {
  readonly clock: FakeClock;
  readonly bus: EventBusService;
  readonly events: BaseEvent[] = [];
  readonly services: RbacService[] = [];

  constructor(clock = new FakeClock()) {
    this.clock = clock;
    this.bus = new EventBusService(busConfig, { clock });
    this.bus.subscribe('rbac', (event) => {
      this.events.push(event);
      return Promise.resolve();
    });
  }

  async service(
    database: Database,
    overrides: Partial<RbacServiceConfig> = {},
  ): Promise<RbacService> {
    const service = new RbacService({ database, bus: this.bus, clock: this.clock, ...overrides });
    await service.init();
    this.services.push(service);
    return service;
  }

  /** Events of a type seen so far, after the bus delivered everything emitted. */
  async seen(type: string): Promise<BaseEvent[]> {
    await this.bus.drain();
    return this.events.filter((e) => e.type === type);
  }

  async close(): Promise<void> {
    for (const service of this.services) service.close();
    await this.bus.close();
  }
}
