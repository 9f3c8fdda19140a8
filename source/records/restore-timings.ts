import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../files/write-file-atomic.ts';

/**
 * The fixed steps of the last from-scratch restore on this host (stop, new volume, start the
 * database), measured by the restore itself: the drill adds them to its load time for an RTO.
 */
export type RestoreTimings = {
  at: string;
  stopMs: number;
  removeVolumeMs: number;
  startDbMs: number;
};

const file = 'restore-timings.json';

export async function readRestoreTimings(stateDir: string): Promise<RestoreTimings | undefined> {
  try {
    const value = JSON.parse(await readFile(path.join(stateDir, file), 'utf8')) as RestoreTimings;
    return typeof value.stopMs === 'number' &&
      typeof value.removeVolumeMs === 'number' &&
      typeof value.startDbMs === 'number'
      ? value
      : undefined;
  } catch {
    return undefined;
  }
}

export async function writeRestoreTimings(
  stateDir: string,
  timings: RestoreTimings,
): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(path.join(stateDir, file), `${JSON.stringify(timings)}\n`, { mode: 0o600 });
}

export function fixedStepsMs(timings: RestoreTimings): number {
  return timings.stopMs + timings.removeVolumeMs + timings.startDbMs;
}
