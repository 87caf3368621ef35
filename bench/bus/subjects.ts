import { EventEmitter2 } from './eventemitter2.js';
import { EventBusService } from '../../dist/index.js';
import type { DeliverySink } from './delivery-sink.js';
import { CHANNEL, CONSUMERS } from './security-event.js';
import type { SecurityEvent } from './security-event.js';

/** A bus wired to a sink: `emit` returns a promise when the producer can (and should) await it. */
export interface OpenBus {
  emit(event: SecurityEvent): Promise<unknown> | undefined;
  close(): Promise<void>;
}

/** One side of the comparison. */
export interface BusUnderTest {
  readonly label: string;
  /** Whether the producer awaits `emit` (with a bounded window) or fires and forgets. */
  readonly awaited: boolean;
  open(sink: DeliverySink): Promise<OpenBus>;
}

/** Warden's default bus: the spec's `security` channel, one async handler per named consumer. */
export const warden: BusUnderTest = {
  label: 'Warden EventBusService (memory log)',
  awaited: true,
  async open(sink) {
    const bus = new EventBusService();
    CONSUMERS.forEach((consumer, i) => {
      bus.subscribe(CHANNEL, sink.handlerFor(i), { consumer });
    });
    await bus.ready();
    return { emit: (event) => bus.emit(CHANNEL, event), close: () => bus.close() };
  },
};

function eventEmitter2(sink: DeliverySink): EventEmitter2 {
  const emitter = new EventEmitter2();
  for (let i = 0; i < CONSUMERS.length; i++) {
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- eventemitter2 drops the promise: the hazard the failure case shows
    emitter.on(CHANNEL, sink.handlerFor(i));
  }
  return emitter;
}

/**
 * eventemitter2's fastest way to run async listeners: `emit` calls them synchronously and
 * drops their promises (no back pressure, no error path), so the producer never awaits.
 */
export const eventEmitter2Emit: BusUnderTest = {
  label: 'eventemitter2 emit() (promises dropped)',
  awaited: false,
  open(sink) {
    const emitter = eventEmitter2(sink);
    return Promise.resolve({
      emit: (event) => {
        emitter.emit(CHANNEL, event);
        return undefined;
      },
      close: () => {
        emitter.removeAllListeners();
        return Promise.resolve();
      },
    });
  },
};

/** `emitAsync` resolves once every listener's promise has: the producer can await it like Warden's emit. */
export const eventEmitter2EmitAsync: BusUnderTest = {
  label: 'eventemitter2 emitAsync() (awaited)',
  awaited: true,
  open(sink) {
    const emitter = eventEmitter2(sink);
    return Promise.resolve({
      emit: (event) => emitter.emitAsync(CHANNEL, event),
      close: () => {
        emitter.removeAllListeners();
        return Promise.resolve();
      },
    });
  },
};
