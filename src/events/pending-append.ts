import type { AppendOptions, AppendRequest } from './log/contract.js';
import type { BaseEvent, Priority } from './schema.js';
import type { ParsedEmitOptions } from './subscribe-options.js';

const SYNC: AppendOptions = Object.freeze({ sync: true });
const ASYNC: AppendOptions = Object.freeze({ sync: false });

/**
 * One validated emit on its way to the log: the only object the emit path allocates. The
 * JSON encoding is made only if the log asks for it (durable logs do, the memory log never).
 */
export class PendingAppend implements AppendRequest {
  readonly event: BaseEvent;
  readonly priority: Priority;
  readonly idempotencyKey?: string;
  readonly deadline?: number;
  readonly options: AppendOptions;
  #json: string | undefined;

  constructor(event: BaseEvent, json: string | undefined, emit: ParsedEmitOptions, sync: boolean) {
    this.event = event;
    this.#json = json;
    this.priority = emit.priority;
    if (emit.idempotencyKey !== undefined) this.idempotencyKey = emit.idempotencyKey;
    if (emit.deadline !== undefined) this.deadline = emit.deadline;
    this.options = sync ? SYNC : ASYNC;
  }

  get json(): string {
    this.#json ??= JSON.stringify(this.event);
    return this.#json;
  }
}
