import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../files/write-file-atomic.ts';

/**
 * Written when a restore stops the services and removed once the loaded database checks out.
 * `destroyed` is set just before the database volume is removed: only from then on is the
 * database not the original one. Then a new run never makes a "safety" dump of a half-loaded
 * database, backups and `ovena start` refuse, and it remembers which volume and safety dump
 * belong to the interrupted restore. Without `destroyed` the marker is stale (the restore stopped
 * before destroying anything) and is ignored.
 */
export type RestoreMarker = {
  dump: string;
  safetyDump?: string;
  dataVolume?: string;
  destroyed?: boolean;
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

/** The marker of a restore that destroyed the database and did not finish, if any. */
export async function readUnfinishedRestore(stateDir: string): Promise<RestoreMarker | undefined> {
  const marker = await readMarker(stateDir);
  return marker?.destroyed === true ? marker : undefined;
}

/** The command that completes an unfinished restore (the same as the restore's own advice). */
export function finishRestoreCommand(marker: Pick<RestoreMarker, 'dump'>): string {
  return `ovena --file=${marker.dump} restore`;
}
