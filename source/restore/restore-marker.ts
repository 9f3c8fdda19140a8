import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../files/write-file-atomic.ts';

/**
 * Written before the first destructive step and removed once the loaded database checks out.
 * While it exists the database is not the original one any more: a new run never makes a
 * "safety" dump of a half-loaded database, and it remembers which volume and safety dump belong
 * to the interrupted restore.
 */
export type RestoreMarker = {
  dump: string;
  safetyDump?: string;
  dataVolume?: string;
  startedAt: string;
};

export function markerPath(stateDir: string): string {
  return path.join(stateDir, 'restore-in-progress.json');
}

export async function readMarker(stateDir: string): Promise<RestoreMarker | undefined> {
  try {
    const value = JSON.parse(await readFile(markerPath(stateDir), 'utf8')) as RestoreMarker;
    return typeof value.dump === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

export async function writeMarker(stateDir: string, marker: RestoreMarker): Promise<void> {
  await writeFileAtomic(markerPath(stateDir), `${JSON.stringify(marker, null, 2)}\n`);
}

export async function removeMarker(stateDir: string): Promise<void> {
  await rm(markerPath(stateDir), { force: true });
}
