import type { StoredAuditRecord } from '../record.js';

const START_MS = Date.UTC(2025, 4, 22, 10, 0, 0);
const OUTCOMES = ['success', 'failure', 'granted', 'denied', 'unknown'] as const;
const ACTIONS = [
  'auth.login_succeeded',
  'auth.login_failed',
  'auth.logout',
  'auth.password_changed',
  'auth.account_locked',
  'rbac.role_change',
  'rbac.permission_check',
  'rbac.permission_change',
  'system.dead_letter.added',
  'billing.invoice_paid',
] as const;

/**
 * The `i`-th record of a deterministic sample tenant: varied actions, outcomes, nulls and
 * payloads with quotes, commas, newlines and formula-like text. For export tests.
 */
export function sampleStoredRecord(i: number, tenantId = 'tenant-sample'): StoredAuditRecord {
  const hex = i.toString(16).padStart(64, '0');
  return {
    id: `0190f0c0-0000-7000-8000-${i.toString(16).padStart(12, '0')}`,
    tenantId,
    action: ACTIONS[i % ACTIONS.length] ?? 'app.thing',
    actor: {
      userId: i % 7 === 0 ? null : `user-${String(i % 50)}`,
      ip: i % 3 === 0 ? null : `10.0.${String(i % 256)}.${String((i * 7) % 256)}`,
      userAgent: i % 5 === 0 ? null : 'Mozilla/5.0 (X11; Linux x86_64) "quoted", agent',
    },
    target: {
      resource: i % 4 === 0 ? null : 'doc',
      resourceId: i % 4 === 0 ? null : `=HYPERLINK("http://x/${String(i)}")`,
    },
    outcome: OUTCOMES[i % OUTCOMES.length] ?? 'unknown',
    entityId: i % 2 === 0 ? 'hq' : null,
    correlationId: i % 3 === 0 ? null : `corr-${String(i)}`,
    source: 'sample-service',
    time: new Date(START_MS + i).toISOString(),
    sourceEventId: `event-${String(i)}`,
    sourceChannel: 'security',
    payload: {
      n: i,
      note: 'line one\nline two, with "quotes"',
      changeType: i % 2 === 0 ? 'assigned' : 'removed',
      targetUserId: `user-${String(i % 13)}`,
      nested: { list: [i, -(i + 1), null] },
    },
    seq: i + 1,
    prevHash: (i === 0 ? 0 : i - 1).toString(16).padStart(64, '0'),
    hash: hex,
    recordedAt: START_MS + i + 5,
  };
}

/** Yields `count` sample records one at a time, never holding more than one. */
export async function* sampleStoredRecords(
  count: number,
  tenantId?: string,
): AsyncGenerator<StoredAuditRecord> {
  for (let i = 0; i < count; i++) {
    yield sampleStoredRecord(i, tenantId);
    if (i % 1024 === 0) await Promise.resolve(); // behave like a real, asynchronous source
  }
}

const SPECIAL = /[",\r\n]/g;

/**
 * A minimal streaming RFC 4180 parser (quoted fields, doubled quotes, CRLF or LF row ends), fed
 * chunk by chunk: for checking CSV exports without holding them whole.
 */
export class CsvRowParser {
  #field = '';
  #row: string[] = [];
  #quoted = false;
  /** A quote ended the previous chunk inside a quoted field: escape or end, decided by the next character. */
  #quotePending = false;
  /** The previous chunk ended with CR: an LF starting this one belongs to it. */
  #sawCr = false;

  /** Parses `chunk` and returns the rows it completed. */
  feed(chunk: string): string[][] {
    const rows: string[][] = [];
    let i = 0;
    if (this.#sawCr && chunk.startsWith('\n')) i = 1;
    this.#sawCr = false;
    while (i < chunk.length)
      i = this.#quoted ? this.#inQuotes(chunk, i) : this.#plain(chunk, i, rows);
    return rows;
  }

  /** Finishes a last row without a line end. */
  end(): string[][] {
    if (this.#field === '' && this.#row.length === 0) return [];
    this.#row.push(this.#field);
    const row = this.#row;
    this.#row = [];
    this.#field = '';
    return [row];
  }

  #inQuotes(chunk: string, from: number): number {
    if (this.#quotePending) {
      this.#quotePending = false;
      if (chunk[from] === '"') {
        this.#field += '"';
        return from + 1;
      }
      this.#quoted = false;
      return from;
    }
    const quote = chunk.indexOf('"', from);
    if (quote === -1) {
      this.#field += chunk.slice(from);
      return chunk.length;
    }
    this.#field += chunk.slice(from, quote);
    this.#quotePending = true;
    return quote + 1;
  }

  #plain(chunk: string, from: number, rows: string[][]): number {
    const special = SPECIAL;
    special.lastIndex = from;
    const match = special.exec(chunk);
    if (match === null) {
      this.#field += chunk.slice(from);
      return chunk.length;
    }
    this.#field += chunk.slice(from, match.index);
    const next = match.index + 1;
    switch (match[0]) {
      case '"':
        this.#quoted = true;
        return next;
      case ',':
        this.#endField();
        return next;
      default:
        this.#endRow(rows);
        if (match[0] === '\r') {
          if (next === chunk.length) this.#sawCr = true;
          else if (chunk[next] === '\n') return next + 1;
        }
        return next;
    }
  }

  #endField(): void {
    this.#row.push(this.#field);
    this.#field = '';
  }

  #endRow(rows: string[][]): void {
    this.#endField();
    rows.push(this.#row);
    this.#row = [];
  }
}
