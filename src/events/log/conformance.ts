import { afterEach, describe } from 'vitest';
import type { EventBusService } from '../bus.js';
import { describeDelivery } from './conformance-delivery.js';
import { describeFailures } from './conformance-failures.js';
import { describeFlowControl } from './conformance-flow.js';
import { createHarness } from './conformance-harness.js';
import type { EventLogFactory, HarnessMaker } from './conformance-harness.js';
import { describeLifecycle } from './conformance-lifecycle.js';
import { describeOrderingProperty } from './conformance-property.js';

export type { EventLogFactory, Harness, TestEvent } from './conformance-harness.js';
export { createHarness } from './conformance-harness.js';

/**
 * The bus semantics every EventLog must support, run through `EventBusService` with a fake
 * clock. A backend's test file calls this once with a factory for fresh logs.
 */
export function describeEventLogConformance(factory: EventLogFactory): void {
  describe(`event bus on the ${factory.name} log`, () => {
    const buses: EventBusService[] = [];
    const harness: HarnessMaker = async (channel, extra) => {
      const h = await createHarness(factory, channel, extra);
      buses.push(h.bus);
      return h;
    };
    afterEach(async () => {
      await Promise.all(buses.splice(0).map((bus) => bus.close()));
      await factory.dispose?.();
    });
    describeDelivery(harness);
    describeFailures(harness);
    describeFlowControl(harness, factory);
    describeLifecycle(harness);
    describeOrderingProperty(factory, buses);
  });
}
