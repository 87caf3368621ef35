import { describeEventLogConformance } from '../conformance.js';
import { MemoryEventLog } from './memory-event-log.js';

describeEventLogConformance({
  name: 'memory',
  offHeapBacklog: false,
  create: (clock) => new MemoryEventLog({ clock }),
});
