import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../../../shared/clock.js';
import { LANES } from './sqlite-entry.js';

export interface RetentionConfig {
  /** Keep acknowledged events at least this long (for inspection). Default 0: remove once every consumer acknowledged them. */
  readonly minAgeMs?: number;
  /** Keep at most this many acknowledged events per channel lane, whatever their age. Default: no limit. */
  readonly maxAcknowledgedEvents?: number;
  /** How often the job runs. Default 1 000 ms. */
  readonly intervalMs?: number;
  /** Rows deleted per transaction, so appends never wait long behind the job. Default 5 000. */
  readonly chunkSize?: number;
}

/** What the job needs from a channel. */
export interface RetainedChannel {
  readonly id: number;
  /** The lowest seq persisted as acknowledged by every consumer of the lane. */
  releasedUpTo(lane: number): number;
  expireKeys(now: number): void;
}

/**
 * Removes events every consumer has acknowledged, in small chunks on a background timer,
 * so the file stays bounded by the backlog plus the retention window.
 */
export class RetentionJob {
  readonly #db: Database;
  readonly #clock: Clock;
  readonly #config: Required<RetentionConfig>;
  readonly #channels: RetainedChannel[] = [];
  readonly #deleteChunk: Statement;
  readonly #cutoffByCount: Statement;
  readonly #expireKeys: Statement;
  readonly #timer: NodeJS.Timeout;
  #stopped = false;

  constructor(db: Database, clock: Clock, config: RetentionConfig) {
    this.#db = db;
    this.#clock = clock;
    this.#config = {
      minAgeMs: config.minAgeMs ?? 0,
      maxAcknowledgedEvents: config.maxAcknowledgedEvents ?? Number.POSITIVE_INFINITY,
      intervalMs: config.intervalMs ?? 1000,
      chunkSize: config.chunkSize ?? 5000,
    };
    this.#deleteChunk = db.prepare(
      `DELETE FROM events WHERE channel_id = ? AND lane = ? AND seq IN (
         SELECT seq FROM events WHERE channel_id = ? AND lane = ? AND seq <= ? AND (appended_at <= ? OR seq <= ?)
         ORDER BY seq LIMIT ?)`,
    );
    this.#cutoffByCount = db
      .prepare(
        'SELECT seq FROM events WHERE channel_id = ? AND lane = ? AND seq <= ? ORDER BY seq DESC LIMIT 1 OFFSET ?',
      )
      .pluck();
    this.#expireKeys = db.prepare('DELETE FROM idempotency_keys WHERE expires_at <= ?');
    this.#timer = setInterval(() => {
      this.runOnce();
    }, this.#config.intervalMs).unref();
  }

  track(channel: RetainedChannel): void {
    this.#channels.push(channel);
  }

  /**
   * One pass: at most one chunk per channel lane, then it yields to the event loop and goes
   * on if there is more, so appends never wait behind a long delete. Returns the rows removed.
   */
  runOnce(): number {
    if (!this.#db.open || this.#stopped) return 0;
    const now = this.#clock.now();
    let removed = 0;
    let more = false;
    for (const channel of this.#channels) {
      for (let lane = 0; lane < LANES.length; lane++) {
        const changes = this.#trimLane(channel, lane, now);
        removed += changes;
        more ||= changes === this.#config.chunkSize;
      }
      channel.expireKeys(now);
    }
    this.#expireKeys.run(now);
    if (more) {
      setImmediate(() => {
        this.runOnce();
      });
    }
    return removed;
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }

  #trimLane(channel: RetainedChannel, lane: number, now: number): number {
    const released = channel.releasedUpTo(lane);
    if (released <= 0) return 0;
    const maxKept = this.#config.maxAcknowledgedEvents;
    const byCount = Number.isFinite(maxKept)
      ? ((this.#cutoffByCount.get(channel.id, lane, released, maxKept) as number | undefined) ?? 0)
      : 0;
    const olderThan = now - this.#config.minAgeMs;
    const args = [
      channel.id,
      lane,
      channel.id,
      lane,
      released,
      olderThan,
      byCount,
      this.#config.chunkSize,
    ];
    return this.#deleteChunk.run(...args).changes;
  }
}
