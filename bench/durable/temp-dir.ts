import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A scratch directory on the machine's temp file system (a real disk here, not tmpfs). */
export interface TempDir {
  readonly path: string;
  /** Bytes of every file directly inside (a SQLite file and its WAL). */
  sizeBytes(): number;
  remove(): void;
}

export function createTempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    sizeBytes: () =>
      readdirSync(path).reduce((sum, name) => sum + statSync(join(path, name)).size, 0),
    remove: () => {
      rmSync(path, { recursive: true, force: true });
    },
  };
}
