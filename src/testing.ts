/** Test helpers for Warden users and backend authors: fake clock and conformance suites. */
export { FakeClock, settle, describeEventLogConformance } from './events/testing.js';
export type { EventLogFactory } from './events/testing.js';
