import { randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ChannelLog, ChannelSpec, EventLog, LogStatus } from '../contract.js';
import { EventLogError, LOG_ERROR_CODES } from '../errors.js';
import { NatsChannelLog } from './nats-channel-log.js';
import type { NatsChannelSettings, NatsHost } from './nats-channel-log.js';
import { translateNatsError } from './nats-errors.js';

export interface NatsEventLogConfig {
  /** NATS server URLs, e.g. `['nats://127.0.0.1:4222']`. */
  readonly servers: readonly string[];
  /** Prefix of every stream, consumer subject and name. Default `warden`. */
  readonly prefix?: string;
  /** JetStream storage of the streams. Default `file`. */
  readonly storage?: 'file' | 'memory';
  /** Stream replicas (a cluster). Default 1. */
  readonly replicas?: number;
  /** How long `init` tries to reach a server before `LOG_UNREACHABLE`. Default 5 000 ms. */
  readonly connectTimeoutMs?: number;
  /** How long an emit waits for JetStream's publish ack before `LOG_PUBLISH_TIMEOUT`. Default 5 000 ms. */
  readonly publishTimeoutMs?: number;
  /** JetStream `ack_wait`: after a crash, unacknowledged messages come back after this. Default 30 000 ms. */
  readonly ackWaitMs?: number;
  /** Messages buffered per consumer lane in this process. Default 256. */
  readonly prefetch?: number;
  /** Connection name shown by the server. */
  readonly name?: string;
}

const PREFIX_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * The bus's log on NATS JetStream, for deployments with several Warden processes. Every
 * process provisions the same streams and durable consumers; processes running the same
 * named consumer share its work, anonymous subscriptions see every event in every process.
 *
 * Durability: an emit resolves on JetStream's publish ack, i.e. once the stream stored the
 * message (on `replicas` servers). On nats-server 2.9 the file store syncs to disk in the
 * background (every 2 minutes by default), so `emitWithGuarantee` survives a server process
 * crash but not a power loss of a single-replica server: run 3 replicas, or a server with
 * `sync_interval: always` (2.10+), for power-loss durability.
 */
export class NatsEventLog implements EventLog, NatsHost {
  readonly name = 'nats';
  readonly durability = 'process_crash' as const;
  readonly supportsPowerLossDurability = false;
  readonly supportsOffHeapBacklog = true;
  readonly settings: NatsChannelSettings;
  readonly #config: NatsEventLogConfig;
  readonly #listeners: ((status: LogStatus) => void)[] = [];
  readonly #channels: NatsChannelLog[] = [];
  #nc: NatsConnection | undefined;
  #js: JetStreamClient | undefined;
  #jsm: JetStreamManager | undefined;
  #initializing: Promise<void> | undefined;
  #closed = false;
  #serverVersion = 'unknown';

  constructor(config: NatsEventLogConfig) {
    const prefix = config.prefix ?? 'warden';
    if (!PREFIX_PATTERN.test(prefix)) {
      throw new EventLogError(
        LOG_ERROR_CODES.LOG_IO_FAILED,
        `NATS log prefix '${prefix}' must be 1 to 32 letters, digits, "-" or "_"`,
      );
    }
    this.#config = config;
    this.settings = Object.freeze({
      prefix,
      storage: config.storage ?? 'file',
      replicas: config.replicas ?? 1,
      publishTimeoutMs: config.publishTimeoutMs ?? 5_000,
      ackWaitMs: config.ackWaitMs ?? 30_000,
      prefetch: config.prefetch ?? 256,
      ephemeralTtlMs: 60_000,
      instanceId: randomBytes(4).toString('hex'),
    });
  }

  get js(): JetStreamClient {
    if (this.#js === undefined)
      throw new EventLogError(LOG_ERROR_CODES.LOG_CLOSED, 'the NATS log is not open');
    return this.#js;
  }

  get jsm(): JetStreamManager {
    if (this.#jsm === undefined)
      throw new EventLogError(LOG_ERROR_CODES.LOG_CLOSED, 'the NATS log is not open');
    return this.#jsm;
  }

  /**
   * Connects (waiting at most `connectTimeoutMs`) and checks that JetStream is enabled.
   * @throws EventLogError `LOG_UNREACHABLE` naming the servers tried.
   */
  init(): Promise<void> {
    this.#initializing ??= this.#connect();
    return this.#initializing;
  }

  /**
   * Version of the server this log connected to. Nothing here depends on it: one filter subject
   * per consumer, `term()` without a reason and Warden-side deadlines work from 2.9 on.
   */
  get serverVersion(): string {
    return this.#serverVersion;
  }

  onStatus(listener: (status: LogStatus) => void): void {
    this.#listeners.push(listener);
  }

  async openChannel(spec: ChannelSpec): Promise<ChannelLog> {
    const channel = await NatsChannelLog.open(this, spec);
    this.#channels.push(channel);
    return channel;
  }

  rejected(channel: string, reason: string): void {
    this.#report({ kind: 'error', detail: `channel '${channel}': ${reason}` });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#initializing?.catch(() => undefined);
    // Cursors send acks once per event-loop turn: the ones gathered so far go out first, and
    // drain() then flushes them with the pending publishes before closing.
    for (const channel of this.#channels) channel.sendAcks();
    await this.#nc?.drain().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    const servers = [...this.#config.servers];
    try {
      this.#nc = await connect({
        servers,
        timeout: this.#config.connectTimeoutMs ?? 5_000,
        // The client, not the server, is the bottleneck; async stack traces cost half the throughput.
        noAsyncTraces: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        ...(this.#config.name === undefined ? {} : { name: this.#config.name }),
      });
    } catch (error) {
      throw new EventLogError(
        LOG_ERROR_CODES.LOG_UNREACHABLE,
        `cannot reach NATS at ${servers.join(', ')}: ${(error as Error).message}`,
        { cause: error, details: { servers } },
      );
    }
    try {
      this.#jsm = await jetstreamManager(this.#nc, { timeout: this.settings.publishTimeoutMs });
      this.#js = jetstream(this.#nc, { timeout: this.settings.publishTimeoutMs });
    } catch (error) {
      await this.#nc.close();
      throw translateNatsError(
        error,
        `checking JetStream on ${servers.join(', ')} (is it enabled with -js?)`,
      );
    }
    this.#serverVersion = this.#nc.info?.version ?? 'unknown';
    this.#report({
      kind: 'connected',
      detail: `${this.#nc.getServer()} (nats-server ${this.#serverVersion})`,
    });
    void this.#watch(this.#nc);
  }

  async #watch(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      switch (status.type) {
        case 'disconnect':
          this.#report({ kind: 'disconnected', detail: status.server });
          break;
        case 'reconnecting':
          this.#report({ kind: 'reconnecting' });
          break;
        case 'reconnect':
          this.#report({ kind: 'reconnected', detail: status.server });
          break;
        case 'error':
          this.#report({ kind: 'error', detail: status.error.message });
          break;
        case 'close':
        case 'forceReconnect':
        case 'ldm':
        case 'ping':
        case 'slowConsumer':
        case 'staleConnection':
        case 'update':
          break; // not a change the bus reports
        default:
          assertNever(status);
      }
    }
  }

  #report(status: LogStatus): void {
    for (const listener of this.#listeners) {
      try {
        listener(status);
      } catch {
        // A listener must never break the connection loop.
      }
    }
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected NATS status ${JSON.stringify(value)}`);
}
