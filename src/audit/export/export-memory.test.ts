import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, toCloudEventsJson, toCsv, toNdjson, toOcsf } from './index.js';
import type { AuditRecordSource, ExportOptions } from './index.js';
import type { StoredAuditRecord } from '../record.js';
import { CsvRowParser, sampleStoredRecords } from './testing.js';

const RECORDS = 200_000;
/** Far below what holding the output (about 150 MB of text for 200,000 records) would take. */
const MAX_HEAP_GROWTH_BYTES = 50 * 1024 * 1024;

interface Measured {
  readonly peakGrowthBytes: number;
  readonly outputChars: number;
}

/**
 * Runs an encoder over `RECORDS` generated records, twice: once only consuming the chunks while
 * sampling `heapUsed` (no forced GC: the bound must hold as the process really runs), so the
 * measure is the encoder's alone; then handing every chunk to `check`, whose own garbage
 * (parsed rows and objects) would otherwise blur the measure.
 */
async function measure(
  encode: (records: AuditRecordSource, options?: ExportOptions) => AsyncIterable<string>,
  check: (chunk: string) => void,
): Promise<Measured> {
  const baseline = process.memoryUsage().heapUsed;
  let peak = baseline;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  };
  // Sampled as records are read too: an encoder holding its output would grow between chunks.
  async function* sampled(): AsyncGenerator<StoredAuditRecord> {
    let read = 0;
    for await (const record of sampleStoredRecords(RECORDS)) {
      if (++read % 1024 === 0) sample();
      yield record;
    }
  }
  let outputChars = 0;
  for await (const chunk of encode(sampled())) {
    outputChars += chunk.length;
    sample();
  }
  for await (const chunk of encode(sampleStoredRecords(RECORDS))) check(chunk);
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
        // Counting in place of an expect per line (200,000 expects take longer than the export).
        const record = JSON.parse(line) as { seq: number };
        if (record.seq === parsed + 1) parsed++;
      }),
    );
    expect(parsed).toBe(RECORDS);
    expect(result.outputChars).toBeGreaterThan(MAX_HEAP_GROWTH_BYTES);
    expect(result.peakGrowthBytes).toBeLessThan(MAX_HEAP_GROWTH_BYTES);
  }, 120_000);

  it('CSV stays within a bounded heap and parses back as RFC 4180', async () => {
    const parser = new CsvRowParser();
    const seqColumn = CSV_COLUMNS.indexOf('seq');
    let header: string[] | undefined;
    let rows = 0;
    const result = await measure(toCsv, (chunk) => {
      for (const row of parser.feed(chunk)) {
        if (header === undefined) header = row;
        else if (row.length === CSV_COLUMNS.length && row[seqColumn] === String(rows + 1)) rows++;
      }
    });
    expect(parser.end()).toEqual([]);
    expect(header).toEqual([...CSV_COLUMNS]);
    expect(rows).toBe(RECORDS);
    expect(result.peakGrowthBytes).toBeLessThan(MAX_HEAP_GROWTH_BYTES);
  }, 120_000);

  it('CloudEvents JSON stays within a bounded heap and is one array of events', async () => {
    let elements = 0;
    let opened = false;
    let closed = false;
    const result = await measure(
      toCloudEventsJson,
      lineSplitter((line) => {
        if (line === '[' || line === ']') {
          opened ||= line === '[' && elements === 0;
          closed = line === ']';
          return;
        }
        const json = line.endsWith(',') ? line.slice(0, -1) : line;
        const event = JSON.parse(json) as { specversion: string; auditseq: number };
        if (event.specversion === '1.0' && event.auditseq === elements + 1) elements++;
      }),
    );
    expect(elements).toBe(RECORDS);
    expect([opened, closed]).toEqual([true, true]);
    expect(result.peakGrowthBytes).toBeLessThan(MAX_HEAP_GROWTH_BYTES);
  }, 120_000);

  it('OCSF stays within a bounded heap and parses back line by line', async () => {
    let events = 0;
    const result = await measure(
      toOcsf,
      lineSplitter((line) => {
        const event = JSON.parse(line) as { type_uid: number; metadata: { sequence: number } };
        if (event.type_uid > 0 && event.metadata.sequence === events + 1) events++;
      }),
    );
    expect(events).toBe(RECORDS);
    expect(result.peakGrowthBytes).toBeLessThan(MAX_HEAP_GROWTH_BYTES);
  }, 120_000);
});
