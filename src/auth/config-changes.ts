import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResolvedAuthConfig } from './config.js';
import { AuthError } from './errors.js';
import { randomToken } from './secrets.js';

/** The security settings of the last start, kept in the data directory. */
export const AUTH_SETTINGS_FILE = 'auth-settings.json';

/** The settings compared between starts: everything but the data directory. */
function settingsOf(config: ResolvedAuthConfig): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key === 'dataDir') continue;
    if (key === 'argon2')
      for (const [sub, v] of Object.entries(value as object)) flat[`argon2.${sub}`] = v;
    else flat[key] = value;
  }
  return flat;
}

/**
 * Compares the configuration with the one recorded at the previous start and records the
 * new one. @returns the paths whose values changed (empty at first start or when unchanged).
 */
export async function changedSettings(config: ResolvedAuthConfig): Promise<string[]> {
  const path = join(config.dataDir, AUTH_SETTINGS_FILE);
  const current = settingsOf(config);
  let previous: Record<string, unknown> | undefined;
  try {
    previous = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch {
    previous = undefined; // first start, or an unreadable file: record afresh
  }
  const keys = new Set([...Object.keys(current), ...Object.keys(previous ?? {})]);
  const changed =
    previous === undefined
      ? []
      : [...keys].filter((k) => JSON.stringify(current[k]) !== JSON.stringify(previous[k]));
  if (previous === undefined || changed.length > 0) {
    const temp = `${path}.${randomToken(9)}.tmp`;
    try {
      await writeFile(temp, JSON.stringify(current), { mode: 0o600 });
      await rename(temp, path);
    } catch (error) {
      throw new AuthError('AUTH_KEY_UNAVAILABLE', `cannot write ${path}`, { cause: error });
    }
  }
  return changed.sort();
}
