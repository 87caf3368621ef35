import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const dir = mkdtempSync(join(new URL('.', import.meta.url).pathname, '.readme-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

it('runs the README bus example as written', async () => {
  const block = /## The event bus in ten lines\s+```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(block).toBeDefined();
  const code = (block ?? '').replace(
    "from 'warden'",
    `from '${new URL('../src/index.js', import.meta.url).pathname}'`,
  );
  expect(code.split('\n').filter((line) => line.trim() !== '').length).toBeLessThanOrEqual(10);
  const file = join(dir, 'example.ts');
  writeFileSync(file, code);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  await import(file);
  expect(log).toHaveBeenCalledWith('audit', 'auth.login_succeeded');
  expect(log).toHaveBeenCalledWith([]);
  log.mockRestore();
});

it('runs the README RBAC example as written', async () => {
  const block = /## RBAC with a verifiable audit trail\s+```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(block).toBeDefined();
  const code = (block ?? '').replace(
    "from 'warden'",
    `from '${new URL('../src/index.js', import.meta.url).pathname}'`,
  );
  const file = join(dir, 'rbac-example.ts');
  writeFileSync(file, code);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  await import(file);
  expect(log).toHaveBeenNthCalledWith(1, true);
  expect(log).toHaveBeenNthCalledWith(
    2,
    expect.objectContaining({ granted: true, permission: 'doc:*' }),
  );
  log.mockRestore();
});
