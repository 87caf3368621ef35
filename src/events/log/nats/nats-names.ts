import type { Priority } from '../../schema.js';

/** A consumer's read paths: one per priority lane, plus its replay queue. */
export const READ_LANES = ['high', 'normal', 'low', 'replay'] as const;
export type ReadLane = (typeof READ_LANES)[number];

const SAFE_TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Names of the JetStream objects behind one channel. Streams, consumers and subjects all
 * carry the log's `prefix`, so several Warden deployments (or tests) can share a server.
 */
export class ChannelNames {
  readonly stream: string;
  readonly dlqStream: string;
  readonly #subjectRoot: string;
  readonly #dlqRoot: string;

  constructor(prefix: string, channel: string) {
    this.stream = `${prefix}_${channel}`;
    this.dlqStream = `${prefix}_dlq_${channel}`;
    this.#subjectRoot = `${prefix}.${channel}`;
    this.#dlqRoot = `${prefix}-dlq.${channel}`;
  }

  /** Every subject of the channel's stream. */
  get subjects(): string {
    return `${this.#subjectRoot}.>`;
  }

  get dlqSubjects(): string {
    return `${this.#dlqRoot}.>`;
  }

  /** `<prefix>.<channel>.<priority>.<tenant>`: consumers filter by priority, operators by tenant. */
  eventSubject(priority: Priority, tenantId: string | undefined): string {
    return `${this.#subjectRoot}.${priority}.${tenantToken(tenantId)}`;
  }

  replaySubject(consumer: string): string {
    return `${this.#subjectRoot}.replay.${consumerToken(consumer)}`;
  }

  dlqSubject(consumer: string): string {
    return `${this.#dlqRoot}.${consumerToken(consumer)}`;
  }

  /** What the durable (or ephemeral) consumer of one lane reads. */
  filterSubject(lane: ReadLane, consumer: string): string {
    return lane === 'replay' ? this.replaySubject(consumer) : `${this.#subjectRoot}.${lane}.>`;
  }

  /** The durable consumer's name for one lane (JetStream names allow no dots). */
  durableName(consumer: string, lane: ReadLane): string {
    return `${consumerToken(consumer)}__${lane}`;
  }
}

/** A tenant id as one subject token: itself when safe, else `~` + base64url (no dots or wildcards). */
export function tenantToken(tenantId: string | undefined): string {
  if (tenantId === undefined) return '_';
  return SAFE_TOKEN.test(tenantId)
    ? tenantId
    : `~${Buffer.from(tenantId, 'utf8').toString('base64url')}`;
}

/** Consumer names are valid names already; anonymous ones (`~anonymous-3`) lose the tilde. */
function consumerToken(consumer: string): string {
  return consumer.startsWith('~') ? `anon${consumer.slice(1)}` : consumer;
}
