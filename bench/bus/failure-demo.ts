import { spawnSync } from 'node:child_process';
import { EventEmitter2 } from './eventemitter2.js';
import { EventBusService } from '../../dist/index.js';
import type { BusObservation } from '../../dist/index.js';
import { CHANNEL, securityEvent } from './security-event.js';

/** eventemitter2 with a listener that rejects, in a separate `node` so its crash is harmless. */
export function eventEmitter2RejectionExit(): { exitCode: number; stderr: string } {
  const script = `
    import EventEmitter2 from 'eventemitter2';
    const emitter = new EventEmitter2();
    emitter.on('security', async () => { throw new Error('audit store down'); });
    const accepted = emitter.emit('security', { type: 'auth.login_failed' });
    setTimeout(() => console.log('emit returned', accepted, 'and the process is still alive'), 50);
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  const firstError = result.stderr.split('\n').find((line) => /^\w*Error\b/.test(line)) ?? '';
  return { exitCode: result.status ?? -1, stderr: firstError.trim() };
}

/** emitAsync hands the rejection to the producer, once: eventemitter2 has no retry. */
export async function eventEmitter2EmitAsyncAttempts(): Promise<{
  calls: number;
  rejected: boolean;
}> {
  const emitter = new EventEmitter2();
  let calls = 0;
  // eslint-disable-next-line @typescript-eslint/require-await -- an async listener that always fails
  const failing = async () => {
    calls++;
    throw new Error('audit store down');
  };
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- how eventemitter2 takes async listeners
  emitter.on(CHANNEL, failing);
  const rejected = await emitter.emitAsync(CHANNEL, securityEvent(0)).then(
    () => false,
    () => true,
  );
  // Give a retry, if there were one, ample time to happen.
  await new Promise((resolve) => setTimeout(resolve, 500));
  return { calls, rejected };
}

export interface WardenFailureOutcome {
  /** Attempts until a handler failing twice succeeded. */
  readonly attemptsUntilSuccess: number;
  readonly msUntilSuccess: number;
  /** Attempts made for a handler that always fails, before dead-lettering. */
  readonly attemptsBeforeDeadLetter: number;
  readonly deadLetters: number;
  readonly emitRejected: boolean;
}

/**
 * Warden on the default `security` channel (3 attempts, exponential backoff from 100 ms):
 * 'audit-logger' fails twice then succeeds; 'alert-service' always fails.
 */
export async function wardenRetries(): Promise<WardenFailureOutcome> {
  const deadLettered = signal();
  const succeeded = signal();
  const bus = new EventBusService(undefined, {
    observer: (observation: BusObservation) => {
      if (observation.kind === 'dead_lettered') deadLettered.fire();
    },
  });
  let auditCalls = 0;
  let alertCalls = 0;
  // eslint-disable-next-line @typescript-eslint/require-await -- async handlers that fail on purpose
  const flakyAudit = async () => {
    if (++auditCalls <= 2) throw new Error('audit store down');
    succeeded.fire();
  };
  // eslint-disable-next-line @typescript-eslint/require-await -- async handler that always fails
  const brokenAlerts = async () => {
    alertCalls++;
    throw new Error('pager unreachable');
  };
  bus.subscribe(CHANNEL, flakyAudit, { consumer: 'audit-logger' });
  bus.subscribe(CHANNEL, () => Promise.resolve(), { consumer: 'metrics-service' });
  bus.subscribe(CHANNEL, brokenAlerts, { consumer: 'alert-service' });
  const start = performance.now();
  const emitRejected = await bus.emit(CHANNEL, securityEvent(0)).then(
    () => false,
    () => true,
  );
  await succeeded.promise;
  const msUntilSuccess = performance.now() - start;
  await deadLettered.promise;
  const deadLetters = await bus.countDeadLetters(CHANNEL);
  await bus.close();
  return {
    attemptsUntilSuccess: auditCalls,
    msUntilSuccess,
    attemptsBeforeDeadLetter: alertCalls,
    deadLetters,
    emitRejected,
  };
}

function signal(): { promise: Promise<void>; fire: () => void } {
  let fire = (): void => undefined;
  const promise = new Promise<void>((resolve) => (fire = resolve));
  return { promise, fire };
}
