import { describe } from 'vitest';
import type { Clock } from '../../shared/clock.js';
import type { EventLog } from './contract.js';

/** Makes a fresh, empty log for one test; `dispose` removes whatever it left behind. */
export interface EventLogFactory {
  readonly name: string;
  create(clock: Clock): EventLog | Promise<EventLog>;
  dispose?(): Promise<void>;
}

/** The bus semantics every EventLog must support, run through `EventBusService`. */
export function describeEventLogConformance(factory: EventLogFactory): void {
  describe(`event bus on the ${factory.name} log`, () => {});
}
