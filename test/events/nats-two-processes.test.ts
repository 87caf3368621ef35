import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createEventFactory } from '../../src/events/create-event.js';
import { EventBusService } from '../../src/events/bus.js';
import { NatsEventLog } from '../../src/events/log/nats/nats-event-log.js';
import { startNatsServer } from '../../src/events/log/nats/nats-test-server.js';
import type { NatsTestServer } from '../../src/events/log/nats/nats-test-server.js';

const WORKER = fileURLToPath(new URL('./fixtures/nats-worker.ts', import.meta.url));
const EVENTS = 300;

let server: NatsTestServer;
const children: ChildProcess[] = [];
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await server.dispose();
});

interface Worker {
  readonly handled: string[];
  readonly seen: string[];
  readonly ready: Promise<void>;
}

function startWorker(prefix: string): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, server.url, prefix], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const worker = { handled: [] as string[], seen: [] as string[] };
  const ready = new Promise<void>((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const message = JSON.parse(line) as { kind: string; id?: string };
        if (message.kind === 'ready') resolve();
        else if (message.kind === 'worker') worker.handled.push(message.id ?? '');
        else worker.seen.push(message.id ?? '');
      }
    });
    child.once('exit', (code) => {
      reject(new Error(`worker exited with ${String(code)}`));
    });
  });
  return { ...worker, ready };
}

it('shares a named consumer between two processes; each process sees every event', async () => {
  const prefix = `p${randomBytes(4).toString('hex')}`;
  const [a, b] = [startWorker(prefix), startWorker(prefix)];
  await Promise.all([a.ready, b.ready]);

  const bus = new EventBusService(
    {
      channels: { jobs: { bufferSize: 1000, consumers: ['worker'] } },
      defaultConsumer: 'audit-logger',
    },
    { log: new NatsEventLog({ servers: [server.url], prefix }) },
  );
  const makeEvent = createEventFactory();
  const ids: string[] = [];
  for (let n = 0; n < EVENTS; n++) {
    const event = makeEvent({ type: 'job.created', source: 'two-processes', data: { n } });
    ids.push(event.id);
    await bus.emit('jobs', event);
  }
  const giveUpAt = Date.now() + 30_000;
  while (
    a.handled.length + b.handled.length < EVENTS ||
    a.seen.length < EVENTS ||
    b.seen.length < EVENTS
  ) {
    if (Date.now() > giveUpAt) throw new Error('the workers did not receive every event');
    await new Promise<void>((resolve) => setTimeout(resolve, 10));
  }
  await bus.close();

  expect([...a.handled, ...b.handled].sort()).toEqual([...ids].sort()); // each job once, in one process
  expect(a.handled.length).toBeGreaterThan(0);
  expect(b.handled.length).toBeGreaterThan(0);
  expect([...a.seen].sort()).toEqual([...ids].sort());
  expect([...b.seen].sort()).toEqual([...ids].sort());
}, 60_000);
