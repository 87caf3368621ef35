import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { createWarden, runWithContext } from '../src/index.js';
import type { Warden } from '../src/index.js';

const dirs: string[] = [];
const open: Warden[] = [];
afterEach(async () => {
  for (const w of open.splice(0)) await w.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(dataDir?: string): Promise<Warden> {
  const warden = await createWarden(dataDir === undefined ? {} : { dataDir });
  open.push(warden);
  return warden;
}

async function seed(warden: Warden): Promise<void> {
  await warden.rbac.createTenant('acme', { adminUserId: 'admin' });
  await runWithContext({ tenantId: 'acme', userId: 'admin' }, async () => {
    await warden.rbac.addUser('alice', 'admin');
    await warden.rbac.createRole(
      { id: 'reader', name: 'Reader', permissions: ['doc:read'] },
      'admin',
    );
    await warden.rbac.assignRoleToUser('alice', 'reader', 'admin');
  });
}

it('starts in memory with no config, and audits RBAC into a verifiable trail', async () => {
  const warden = await start();
  await seed(warden);
  expect(
    await runWithContext({ tenantId: 'acme' }, () =>
      warden.rbac.checkPermission('alice', 'doc', 'read'),
    ),
  ).toBe(true);
  await vi.waitFor(async () => {
    const page = await runWithContext({ tenantId: 'acme' }, () => warden.audit.query());
    expect(page.records.map((r) => r.action)).toContain('rbac.permission_check');
  });
  expect(await runWithContext({ tenantId: 'acme' }, () => warden.audit.verify())).toMatchObject({
    ok: true,
  });
});

it('keeps roles and the audit chain across a restart on its data directory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-'));
  dirs.push(dir);
  const first = await start(dir);
  await seed(first);
  await vi.waitFor(async () => {
    expect(
      (await runWithContext({ tenantId: 'acme' }, () => first.audit.query())).records,
    ).toHaveLength(4);
  });
  await first.close();
  const second = await start(dir);
  await runWithContext({ tenantId: 'acme' }, async () => {
    expect(await second.rbac.checkPermission('alice', 'doc', 'read')).toBe(true);
  });
  await vi.waitFor(async () => {
    expect(
      (await runWithContext({ tenantId: 'acme' }, () => second.audit.query())).records,
    ).toHaveLength(5);
  });
  expect(await runWithContext({ tenantId: 'acme' }, () => second.audit.verify())).toMatchObject({
    ok: true,
    records: 5,
  });
});

it('wires auth, alerts and metrics: failed logins are audited, counted and raise a brute-force alert', async () => {
  const warden = await start();
  await warden.auth.createUser({
    tenantId: 'acme',
    username: 'ada',
    password: 'correct horse battery staple',
  });
  for (let i = 0; i < 5; i++) {
    await expect(
      warden.auth.login({ tenantId: 'acme', login: 'ada', password: 'not the password at all' }),
    ).rejects.toMatchObject({ code: 'AUTH_INVALID_CREDENTIALS' });
  }
  await vi.waitFor(async () => {
    const page = await warden.alerts.list('acme');
    expect(page.alerts.map((a) => a.ruleId)).toContain('auth.brute_force');
  });
  await vi.waitFor(async () => {
    const failed = await runWithContext({ tenantId: 'acme' }, () =>
      warden.audit.query({ types: ['auth.login_failed'] }),
    );
    expect(failed.records).toHaveLength(5);
  });
  const text = await warden.metrics.metrics();
  expect(text).toMatch(/^warden_auth_logins_total\{outcome="failure"[^}]*\} 5$/m);
  expect(text).toMatch(/^warden_bus_events_emitted_total\{channel="security"\} \d+$/m);
});
