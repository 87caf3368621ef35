import type { BaseEvent, Priority } from './schema.js';

/** Why an event left the normal delivery path. */
export const DEAD_LETTER_REASONS = [
  'attempts_exhausted',
  'permanent_failure',
  'deadline_exceeded',
] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** One event that a consumer could not process, kept until replayed or purged. */
export interface DeadLetter {
  /** Id of this dead-letter record (not the event's id). */
  readonly id: string;
  readonly channel: string;
  /** The consumer that failed: a named consumer, or `~anonymous-<n>` for an anonymous one. */
  readonly consumer: string;
  readonly event: BaseEvent;
  readonly priority: Priority;
  readonly reason: DeadLetterReason;
  /** Delivery attempts made (0 when the deadline passed before the first one). */
  readonly attempts: number;
  /** The last error, as `Name: message`; absent when no attempt was made. */
  readonly lastError?: string;
  /** Epoch ms of the first attempt, if any. */
  readonly firstAttemptAt?: number;
  /** Epoch ms when the event was dead-lettered. */
  readonly deadLetteredAt: number;
}

/** Selects dead letters for list, replay and purge. All fields narrow the selection. */
export interface DeadLetterQuery {
  readonly consumer?: string;
  readonly ids?: readonly string[];
  readonly reason?: DeadLetterReason;
  /** At most this many (list defaults to 100). */
  readonly limit?: number;
}

export interface ReplayResult {
  /** Dead letters handed back to their consumer, removed from the queue. */
  readonly replayed: number;
  /** Dead letters left in place because their consumer no longer exists (a closed anonymous subscription). */
  readonly skipped: number;
}
