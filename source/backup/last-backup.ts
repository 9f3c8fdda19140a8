import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, OvenaError } from '../errors.ts';
import { readStateFile } from '../files/read-state-file.ts';
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

export type LastBackupRead =
  | { kind: 'none' }
  | { kind: 'record'; record: LastBackupRecord }
  | { kind: 'unreadable'; file: string; reason: string };

/** The record, none, or a file that is there but cannot be read (never shown as "none"). */
export async function readLastBackupState(stateDir: string): Promise<LastBackupRead> {
  const file = path.join(stateDir, lastBackupFile);
  const read = await readStateFile(file);
  if (read.kind !== 'text') return read;
  const { text } = read;
  let value: Partial<LastBackupRecord>;
  try {
    value = JSON.parse(text) as Partial<LastBackupRecord>;
  } catch {
    return { kind: 'unreadable', file, reason: text.trim() === '' ? 'empty' : 'not JSON' };
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof value.at !== 'string' ||
    (value.result !== 'ok' && value.result !== 'failed')
  )
    return { kind: 'unreadable', file, reason: 'not a backup record' };
  return { kind: 'record', record: value as LastBackupRecord };
}

/** The sentence for a record that cannot be read: it names the file. */
export function unreadableLastBackup(file: string, reason: string): string {
  return `the last-backup record ${file} cannot be read (${reason}): the next backup rewrites it`;
}

/** The last run, or undefined when none was recorded; an unreadable record is an error naming it. */
export async function readLastBackup(stateDir: string): Promise<LastBackupRecord | undefined> {
  const read = await readLastBackupState(stateDir);
  if (read.kind === 'unreadable')
    throw new OvenaError(unreadableLastBackup(read.file, read.reason), ExitCode.dataError);
  return read.kind === 'record' ? read.record : undefined;
}

/** Atomic write, mode 0600; a failed run keeps the last good one's details in `lastSuccess`. */
export async function writeLastBackup(stateDir: string, run: LastBackup): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  let lastSuccess: LastBackupRecord['lastSuccess'];
  if (run.result === 'failed') {
    // A record that cannot be read is replaced by this one (it named no good run anyway).
    const previous = await readLastBackup(stateDir).catch(() => undefined);
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
