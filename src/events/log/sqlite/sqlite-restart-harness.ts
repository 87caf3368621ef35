import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock, settle } from '../../../shared/fake-clock.js';
import { EventBusService } from '../../bus.js';
import type { ChannelConfig } from '../../config.js';
import { createEventFactory } from '../../create-event.js';
import type { SubscribeOptions } from '../../subscribe-options.js';
import type { TestEvent } from '../conformance-harness.js';
import { SqliteEventLog } from './sqlite-event-log.js';
import type { SqliteEventLogConfig } from './sqlite-event-log.js';

/** Test fixture (not part of the public API): a bus on a SQLite file that survives restarts. */
export interface RestartHarness {
  readonly clock: FakeClock;
  readonly dir: string;
  readonly file: string;
  readonly channel: string;
  /** The bus of the current run; replaced by `restart()`. */
  readonly bus: EventBusService;
  /** The log of the current run; replaced by `restart()`. */
  readonly log: SqliteEventLog;
  event(n: number, tenant?: string): TestEvent;
  /**
   * Closes the bus and its log, then opens a new log on the same file and a new bus on it,
   * as a restarted process would. With `abandonRunningHandlers`, handlers still running are
   * given up on through the close timeout (the fake clock is advanced past it).
   */
  restart(options?: { abandonRunningHandlers?: boolean }): Promise<void>;
  /** Closes the current bus (same options as `restart`). */
  close(options?: { abandonRunningHandlers?: boolean }): Promise<void>;
  /** Subscribes a named consumer that records the `n` of every event it is handed. */
  record(consumer: string, options?: SubscribeOptions<TestEvent>): number[];
  /** Waits, in event-loop turns (never wall time), until `predicate` holds. */
  until(predicate: () => boolean, what: string): Promise<void>;
  /** Closes whatever is open and removes the directory. */
  dispose(): Promise<void>;
}

export interface RestartHarnessOptions {
  readonly log?: Omit<SqliteEventLogConfig, 'path' | 'clock'>;
}

/** How long `close` waits for running handlers before giving up on them, in fake ms. */
export const CLOSE_TIMEOUT_MS = 1_000;

export const randomName = (prefix: string) =>
  `${prefix}-${Math.random().toString(36).slice(2, 10)}`;

/** A promise a handler can wait on, opened by the test. */
export function gate(): { readonly wait: Promise<void>; open(): void } {
  let open: () => void = () => {};
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

export async function openRestartHarness(
  channelConfig: ChannelConfig,
  options: RestartHarnessOptions = {},
): Promise<RestartHarness> {
  const clock = new FakeClock();
  const dir = mkdtempSync(join(tmpdir(), 'warden-sqlite-durability-'));
  const file = join(dir, 'events.db');
  const channel = randomName('ch');
  const makeEvent = createEventFactory({ clock });
  // The background retention timer is real time: keep it out of the way; tests run it by hand.
  const logConfig = { retention: { intervalMs: 3_600_000 }, ...options.log, path: file, clock };
  let log!: SqliteEventLog;
  let bus!: EventBusService;
  let open = false;

  const start = async () => {
    log = new SqliteEventLog(logConfig);
    bus = new EventBusService(
      { channels: { [channel]: channelConfig }, defaultConsumer: 'audit-logger' },
      { log, clock },
    );
    open = true;
    await bus.ready();
  };
  const close = async (closeOptions: { abandonRunningHandlers?: boolean } = {}) => {
    if (!open) return;
    open = false;
    const closing = bus.close({ timeoutMs: CLOSE_TIMEOUT_MS });
    if (closeOptions.abandonRunningHandlers === true) {
      await settle();
      await clock.advanceAsync(CLOSE_TIMEOUT_MS);
    }
    await closing;
  };
  const until = async (predicate: () => boolean, what: string) => {
    for (let turn = 0; turn < 20_000; turn++) {
      if (predicate()) return;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    throw new Error(`gave up waiting for ${what}`);
  };

  await start();
  return {
    clock,
    dir,
    file,
    channel,
    get bus() {
      return bus;
    },
    get log() {
      return log;
    },
    event: (n, tenant = 'tenant-a') =>
      makeEvent({
        type: 'test.happened',
        source: 'durability',
        data: { n },
        metadata: { tenantId: tenant },
      }) as TestEvent,
    restart: async (restartOptions) => {
      await close(restartOptions);
      await start();
    },
    close,
    record: (consumer, subscribeOptions = {}) => {
      const seen: number[] = [];
      bus.subscribe(
        channel,
        (e: TestEvent) => {
          seen.push(e.data.n);
          return Promise.resolve();
        },
        { ...subscribeOptions, consumer },
      );
      return seen;
    },
    until,
    dispose: async () => {
      await close({ abandonRunningHandlers: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
