import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, toCloudEventsJson, toCsv, toNdjson, toOcsf } from './index.js';
import type { AuditRecordSource, ExportOptions } from './index.js';
import { CsvRowParser, sampleStoredRecords } from './testing.js';

const RECORDS = 200_000;
/** Far below what holding the output (about 150 MB of text for 200,000 records) would take. */
const MAX_HEAP_GROWTH_BYTES = 50 * 1024 * 1024;

interface Measured {
  readonly peakGrowthBytes: number;
  readonly outputChars: number;
}

/**
 * Runs an encoder over `RECORDS` generated records and hands each chunk to `check`, sampling
 * `heapUsed` as it goes (no forced GC: the bound must hold as the process really runs).
 */
async function measure(
  encode: (records: AuditRecordSource, options?: ExportOptions) => AsyncIterable<string>,
  check: (chunk: string) => void,
): Promise<Measured> {
  const baseline = process.memoryUsage().heapUsed;
  let peak = baseline;
  let outputChars = 0;
  let chunks = 0;
  for await (const chunk of encode(sampleStoredRecords(RECORDS))) {
    check(chunk);
    outputChars += chunk.length;
    if (++chunks % 64 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
  }
  return { peakGrowthBytes: peak - baseline, outputChars };
}

/** Splits chunks into complete lines, keeping the unfinished tail for the next chunk. */
function lineSplitter(onLine: (line: string) => void): (chunk: string) => void {
  let tail = '';
  return (chunk) => {
    const lines = (tail + chunk).split('\n');
    tail = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  };
}

describe('streaming export of 200,000 records', () => {
  it('NDJSON stays within a bounded heap and parses back line by line', async () => {
    let parsed = 0;
    const result = await measure(
      toNdjson,
      lineSplitter((line) => {
        const record = JSON.parse(line) as { seq: number };
        expect(record.seq).toBe(++parsed);
      }),
    );
    expect(parsed).toBe(RECORDS);
    expect(result.outputChars).toBeGreaterThan(MAX_HEAP_GROWTH_BYTES);
    expect(result.peakGrowthBytes).toBeLessThan(MAX_HEAP_GROWTH_BYTES);
  }, 120_000);

  it('CSV stays within a bounded heap and parses back as RFC 4180', async () => {
    const parser = new CsvRowParser();
    let rows = 0;
    const result = await measure(toCsv, (chunk) => {
      for (const row of parser.feed(chunk)) {
        expect(row).toHaveLength(CSV_COLUMNS.length);
        rows++;
      }
    });
    expect(parser.end()).toEqual([]);
    expect(rows).toBe(RECORDS + 1); // the header
    expect(result.peakGrowthBytes).toBeLessThan(MAX_HEAP_GROWTH_BYTES);
  }, 120_000);

  it('CloudEvents JSON stays within a bounded heap and is one array of events', async () => {
    let elements = 0;
    let closed = false;
    const result = await measure(
      toCloudEventsJson,
      lineSplitter((line) => {
        if (line === '[' || line === ']') {
          expect(line).toBe(elements === 0 ? '[' : ']');
          closed = line === ']';
          return;
        }
        const json = line.endsWith(',') ? line.slice(0, -1) : line;
        const event = JSON.parse(json) as { specversion: string; auditseq: number };
        expect(event.auditseq).toBe(++elements);
      }),
    );
    expect(elements).toBe(RECORDS);
    expect(closed).toBe(true);
    expect(result.peakGrowthBytes).toBeLessThan(MAX_HEAP_GROWTH_BYTES);
  }, 120_000);

  it('OCSF stays within a bounded heap and parses back line by line', async () => {
    let events = 0;
    const result = await measure(
      toOcsf,
      lineSplitter((line) => {
        const event = JSON.parse(line) as { type_uid: number; metadata: { sequence: number } };
        expect(event.metadata.sequence).toBe(++events);
      }),
    );
    expect(events).toBe(RECORDS);
    expect(result.peakGrowthBytes).toBeLessThan(MAX_HEAP_GROWTH_BYTES);
  }, 120_000);
});
