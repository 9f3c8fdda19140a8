import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../files/write-file-atomic.ts';

/** The last backup run, as `ovena status` (and --json) and the home screen show it. */
export type LastBackup = {
  /** When the run ended (ISO 8601). */
  at: string;
  /** The dump's path in the db container, e.g. /mnt/backup/ovena-db-backup.sql.gz. */
  file: string;
  sizeBytes: number;
  durationMs: number;
  result: 'ok' | 'failed';
  error?: string;
};

/** The record on disk: the last run plus, when that one failed, the last good one before it. */
export type LastBackupRecord = LastBackup & { lastSuccess?: Omit<LastBackup, 'result' | 'error'> };

export const lastBackupFile = 'last-backup.json';

export async function readLastBackup(stateDir: string): Promise<LastBackupRecord | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(stateDir, lastBackupFile), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as Partial<LastBackupRecord>;
    if (typeof value.at !== 'string' || (value.result !== 'ok' && value.result !== 'failed'))
      return undefined;
    return value as LastBackupRecord;
  } catch {
    return undefined;
  }
}

/** Atomic write, mode 0600; a failed run keeps the last good one's details in `lastSuccess`. */
export async function writeLastBackup(stateDir: string, run: LastBackup): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  let lastSuccess: LastBackupRecord['lastSuccess'];
  if (run.result === 'failed') {
    const previous = await readLastBackup(stateDir);
    if (previous?.result === 'ok') {
      lastSuccess = {
        at: previous.at,
        file: previous.file,
        sizeBytes: previous.sizeBytes,
        durationMs: previous.durationMs,
      };
    } else lastSuccess = previous?.lastSuccess;
  }
  const record: LastBackupRecord = { ...run, ...(lastSuccess ? { lastSuccess } : {}) };
  await writeFileAtomic(
    path.join(stateDir, lastBackupFile),
    `${JSON.stringify(record, null, 2)}\n`,
    {
      mode: 0o600,
    },
  );
}
