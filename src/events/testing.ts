export { FakeClock, settle } from '../shared/fake-clock.js';
export { describeEventLogConformance } from './log/conformance.js';
export type { EventLogFactory } from './log/conformance.js';
