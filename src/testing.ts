/** Test helpers for Warden users and backend authors: fake clock and conformance suites. */
export { FakeClock, settle, describeEventLogConformance } from './events/testing.js';
export type { EventLogFactory } from './events/testing.js';
export { describeEachDatabase } from './storage/testing.js';
export type {
  TestDatabases,
  TestPostgresServer,
  DescribeEachDatabaseOptions,
} from './storage/testing.js';
