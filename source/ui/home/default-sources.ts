import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Compose } from '../../compose/compose.ts';
import { ExitCode, OvenaError } from '../../errors.ts';
import type { Paths } from '../../paths.ts';
import { collectStatus } from '../../status/collect-status.ts';
import type { LastBackupRecord, StatusSources } from './home-status.ts';

/**
 * The one place where the status sources of this build are wired, for `ovena check` and the
 * home screen. Plain module (no React), so `ovena check` stays Ink-free.
 *
 * Lead, after merging: replace `readLastBackupRecord` by `readLastBackup(stateDir)` from
 * source/state/last-backup.ts, add `readSchedule: () => readSchedule(cronDir)` (mapped to
 * ScheduleInfo) and let the cifs branch's detection answer `sharesConfigured`.
 */
export const lastBackupFileName = 'last-backup.json';

/** Interim reader of the backup record (same shape as the backup branch's). */
export async function readLastBackupRecord(
  stateDir: string,
): Promise<LastBackupRecord | undefined> {
  const file = path.join(stateDir, lastBackupFileName);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let value: Partial<LastBackupRecord>;
  try {
    value = JSON.parse(text) as Partial<LastBackupRecord>;
  } catch {
    throw new OvenaError(`${file} is not valid JSON`, ExitCode.dataError);
  }
  if (typeof value.at !== 'string' || (value.result !== 'ok' && value.result !== 'failed')) {
    throw new OvenaError(`${file} lacks "at" or "result"`, ExitCode.dataError);
  }
  return {
    at: value.at,
    file: String(value.file ?? ''),
    sizeBytes: Number(value.sizeBytes ?? 0),
    durationMs: Number(value.durationMs ?? 0),
    result: value.result,
    ...(value.error ? { error: String(value.error) } : {}),
  };
}

/** Shares count as configured when a volume of the compose file is a CIFS mount. */
export function cifsSharesConfigured(compose: Pick<Compose, 'model'>): boolean {
  return Object.values(compose.model.volumes).some(
    (volume) => volume.driverOpts.type?.toLowerCase() === 'cifs',
  );
}

export function defaultSources(compose: Compose, paths: Paths): StatusSources {
  return {
    collectStatus: (signal) => collectStatus(compose, signal),
    readLastBackup: () => readLastBackupRecord(paths.stateDir),
    sharesConfigured: async () => cifsSharesConfigured(compose),
  };
}
