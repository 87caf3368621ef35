import { describe, expect, it } from 'vitest';
import type { StoredAuditRecord } from '../record.js';
import {
  CSV_CHECKPOINT_ACTION,
  CSV_COLUMNS,
  CSV_PROOF_COLUMNS,
  EXPORT_CHUNK_CHARS,
  csvCell,
  exportedRecord,
  toCloudEventsJson,
  toCsv,
  toNdjson,
  toOcsf,
} from './index.js';
import type { ExportProofs } from './index.js';
import { CsvRowParser, sampleStoredRecord, sampleStoredRecords } from './testing.js';

async function text(chunks: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const chunk of chunks) out += chunk;
  return out;
}

const records = (count: number) => Array.from({ length: count }, (_, i) => sampleStoredRecord(i));
const jsonLines = (out: string) =>
  out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

const checkpoint = { treeSize: 3, rootHash: 'ab'.repeat(32), signature: 'sig' };
const proofs: ExportProofs = {
  proofs: (record) =>
    Promise.resolve(record.seq === 2 ? null : { leafIndex: record.seq - 1, proof: ['aa', 'bb'] }),
  checkpoint,
};

describe('toNdjson', () => {
  it('writes one record per line, every field and nothing else', async () => {
    const input = records(3);
    const extra = { ...input[0]!, internalRowId: 99 } as StoredAuditRecord;
    const out = await text(toNdjson([extra, ...input.slice(1)]));
    expect(out.endsWith('\n')).toBe(true);
    expect(jsonLines(out)).toEqual(input.map(exportedRecord));
  });

  it('writes nothing for no records', async () => {
    expect(await text(toNdjson([]))).toBe('');
  });

  it('puts each proof beside its record and the checkpoint on a last line', async () => {
    const lines = jsonLines(await text(toNdjson(records(3), { proofs })));
    expect(lines.map((line) => line['warden_proof'])).toEqual([
      { leafIndex: 0, proof: ['aa', 'bb'] },
      null,
      { leafIndex: 2, proof: ['aa', 'bb'] },
      undefined,
    ]);
    expect(lines[3]).toEqual({ warden_checkpoint: checkpoint });
  });

  it('reads records only as fast as its output is consumed', async () => {
    let pulled = 0;
    async function* counted() {
      for await (const record of sampleStoredRecords(10_000)) {
        pulled++;
        yield record;
      }
    }
    const iterator = toNdjson(counted())[Symbol.asyncIterator]();
    const first = (await iterator.next()).value as string;
    expect(first.length).toBeGreaterThanOrEqual(EXPORT_CHUNK_CHARS);
    expect(pulled).toBeLessThan(100);
    await iterator.return(undefined);
  });
});

describe('toCsv', () => {
  function parse(out: string): string[][] {
    const parser = new CsvRowParser();
    return [...parser.feed(out), ...parser.end()];
  }

  it('writes a header and one RFC 4180 row per record that parse back', async () => {
    const input = records(8);
    const out = await text(toCsv(input));
    expect(out.endsWith('\r\n')).toBe(true);
    const [header, ...rows] = parse(out);
    expect(header).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(8);
    const column = (row: string[], name: (typeof CSV_COLUMNS)[number]) =>
      row[CSV_COLUMNS.indexOf(name)];
    rows.forEach((row, i) => {
      const record = input[i]!;
      expect(row).toHaveLength(CSV_COLUMNS.length);
      expect(column(row, 'id')).toBe(record.id);
      expect(column(row, 'seq')).toBe(String(record.seq));
      expect(column(row, 'actor_user_id')).toBe(record.actor.userId ?? '');
      expect(column(row, 'actor_user_agent')).toBe(record.actor.userAgent ?? '');
      expect(column(row, 'recorded_at')).toBe(new Date(record.recordedAt).toISOString());
      expect(JSON.parse(column(row, 'payload')!)).toEqual(record.payload);
    });
  });

  it('guards cells that a spreadsheet would run as formulas', async () => {
    const [, row] = parse(await text(toCsv([sampleStoredRecord(1)])));
    expect(row?.[CSV_COLUMNS.indexOf('target_resource_id')]).toBe(`'=HYPERLINK("http://x/1")`);
  });

  it.each([
    [null, ''],
    [12, '12'],
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=1+2', "'=1+2"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', "'\tcmd"],
    ['=a,b', `"'=a,b"`],
  ])('writes the cell %j as %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('adds the proof columns and ends with a checkpoint row', async () => {
    const rows = parse(await text(toCsv(records(2), { proofs })));
    expect(rows[0]).toEqual([...CSV_COLUMNS, ...CSV_PROOF_COLUMNS]);
    expect(rows[1]?.slice(-2)).toEqual(['0', '["aa","bb"]']);
    expect(rows[2]?.slice(-2)).toEqual(['', '']);
    const last = rows[3]!;
    expect(last[CSV_COLUMNS.indexOf('action')]).toBe(CSV_CHECKPOINT_ACTION);
    expect(JSON.parse(last[CSV_COLUMNS.indexOf('payload')]!)).toEqual(checkpoint);
  });
});

describe('toCloudEventsJson', () => {
  it('writes a JSON array of CloudEvents 1.0 with lowercase alphanumeric extensions', async () => {
    const input = records(4);
    const events = JSON.parse(await text(toCloudEventsJson(input))) as Record<string, unknown>[];
    expect(events).toHaveLength(4);
    const first = events[1]!; // sample 1 has a correlation id and no entity
    const record = input[1]!;
    expect(first).toEqual({
      specversion: '1.0',
      id: record.id,
      source: record.source,
      type: record.action,
      time: record.time,
      datacontenttype: 'application/json',
      data: exportedRecord(record),
      tenantid: record.tenantId,
      correlationid: record.correlationId,
      auditseq: record.seq,
      audithash: record.hash,
    });
    expect(events[0]).toMatchObject({ entityid: 'hq' });
    expect(events[0]).not.toHaveProperty('correlationid');
    for (const event of events)
      for (const name of Object.keys(event)) expect(name).toMatch(/^[a-z0-9]{1,20}$/);
  });

  it('writes an empty array for no records', async () => {
    expect(JSON.parse(await text(toCloudEventsJson([])))).toEqual([]);
  });

  it('carries each proof as extensions and ends with a checkpoint event', async () => {
    const events = JSON.parse(await text(toCloudEventsJson(records(2), { proofs }))) as Record<
      string,
      unknown
    >[];
    expect(events[0]).toMatchObject({ wardenproofindex: 0, wardenproof: 'aa,bb' });
    expect(events[1]).not.toHaveProperty('wardenproof');
    expect(events[2]).toMatchObject({
      specversion: '1.0',
      type: 'warden.audit.checkpoint',
      data: checkpoint,
    });
    expect(events[2]?.['id']).toMatch(/^checkpoint-[0-9a-f]{32}$/);
  });
});

describe('toOcsf', () => {
  function ocsfOf(overrides: Partial<StoredAuditRecord>): Promise<Record<string, unknown>> {
    const record = { ...sampleStoredRecord(1), ...overrides };
    return text(toOcsf([record])).then((out) => jsonLines(out)[0]!);
  }

  it.each([
    ['auth.login_succeeded', {}, 3002, 1],
    ['auth.login_failed', {}, 3002, 1],
    ['auth.logout', {}, 3002, 2],
    ['auth.password_changed', {}, 3001, 3],
    ['auth.password_reset', {}, 3001, 4],
    ['auth.account_locked', {}, 3001, 9],
    ['rbac.role_change', { changeType: 'assigned' }, 3005, 1],
    ['rbac.role_change', { changeType: 'removed' }, 3005, 2],
    ['rbac.permission_change', { changeType: 'revoked' }, 6003, 4],
    ['rbac.permission_check', {}, 6003, 99],
    ['auth.token_issued', {}, 6003, 1],
    ['billing.invoice_paid', {}, 6003, 99],
  ])('maps %s %j to class %i, activity %i', async (action, payload, classUid, activityId) => {
    const event = await ocsfOf({ action, payload });
    expect(event).toMatchObject({
      class_uid: classUid,
      category_uid: Math.floor(classUid / 1000),
      activity_id: activityId,
      type_uid: classUid * 100 + activityId,
    });
  });

  it('fills status, severity, time, actor, endpoint and metadata from the record', async () => {
    const record = sampleStoredRecord(1);
    const event = await ocsfOf({ outcome: 'failure' });
    expect(event).toMatchObject({
      status_id: 2,
      severity_id: 3,
      time: Date.parse(record.time),
      actor: { user: { uid: record.actor.userId } },
      src_endpoint: { ip: record.actor.ip },
      http_request: { user_agent: record.actor.userAgent },
      metadata: {
        version: '1.1.0',
        product: { name: 'Warden', vendor_name: 'Warden' },
        uid: record.id,
        tenant_uid: record.tenantId,
        correlation_uid: record.correlationId,
      },
      unmapped: { payload: record.payload, warden: { hash: record.hash, seq: record.seq } },
    });
    expect((await ocsfOf({ outcome: 'granted' }))['status_id']).toBe(1);
    expect((await ocsfOf({ outcome: 'unknown' }))['status_id']).toBe(0);
    expect((await ocsfOf({ action: 'auth.account_locked' }))['severity_id']).toBe(4);
  });

  it('names the user and role of a role assignment', async () => {
    const event = await ocsfOf({
      action: 'rbac.role_change',
      target: { resource: 'rbac.role_assignment', resourceId: 'editor' },
      payload: { targetUserId: 'carol', changeType: 'assigned' },
    });
    expect(event).toMatchObject({ user: { uid: 'carol' }, privileges: ['editor'] });
  });

  it('puts proofs beside events and the checkpoint last, like NDJSON', async () => {
    const lines = jsonLines(await text(toOcsf(records(3), { proofs })));
    expect(lines).toHaveLength(4);
    expect(lines[0]?.['warden_proof']).toEqual({ leafIndex: 0, proof: ['aa', 'bb'] });
    expect(lines[3]).toEqual({ warden_checkpoint: checkpoint });
  });
});
