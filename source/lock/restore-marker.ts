import { rm } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, OvenaError } from '../errors.ts';
import { readStateFile } from '../files/read-state-file.ts';
import { writeFileAtomic } from '../files/write-file-atomic.ts';
import { type LockKind, markerBlocks, type RestorePhase, restorePhases } from './lock-table.ts';

/**
 * The restore job's own record, `restore-in-progress.json`: written when it stops the services,
 * moved on at each phase, removed once the loaded database checks out. From phase `destroyed` on,
 * the database is not the original one: a new run never makes a "safety" dump of it, and what
 * `markerBlocks` (lock/lock-table.ts) lists refuses to run. It remembers which volume and safety
 * dump belong to the interrupted restore. In phase `stopping` it blocks nothing.
 */
export type RestoreMarker = {
  dump: string;
  /** How the restore replaces the database; `from-scratch` removes the volume, `beside` renames. */
  mode: 'from-scratch' | 'beside';
  /** Beside mode (issue 18): the live name, the database switched in, the name the live one gets. */
  beside?: { live: string; incoming: string; before: string };
  phase: RestorePhase;
  /** `fast`: the load ran on a one-off server with durability off (its data may be torn). */
  load?: 'fast';
  safetyDump?: string;
  dataVolume?: string;
  /** Kept for markers written before phases existed: same as phase !== 'stopping'. */
  destroyed?: boolean;
  startedAt: string;
};

export type MarkerRead =
  | { kind: 'none' }
  | { kind: 'marker'; marker: RestoreMarker }
  | { kind: 'unreadable'; file: string; reason: string };

export function markerPath(stateDir: string): string {
  return path.join(stateDir, 'restore-in-progress.json');
}

/** Parses a marker's text; undefined when it is not one (garbage never reads as "no marker"). */
export function parseMarker(text: string): RestoreMarker | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.dump !== 'string' || record.dump === '') return undefined;
  if (typeof record.startedAt !== 'string') return undefined;
  let phase: RestorePhase;
  if (record.phase === undefined) phase = record.destroyed === true ? 'destroyed' : 'stopping';
  else if ((restorePhases as readonly unknown[]).includes(record.phase))
    phase = record.phase as RestorePhase;
  else return undefined;
  if (record.mode !== undefined && record.mode !== 'from-scratch' && record.mode !== 'beside')
    return undefined;
  const mode = record.mode === 'beside' ? 'beside' : 'from-scratch';
  if ((mode === 'beside') !== phase.startsWith('beside-')) return undefined;
  const marker: RestoreMarker = { dump: record.dump, mode, phase, startedAt: record.startedAt };
  if (record.load === 'fast') marker.load = 'fast';
  if (mode === 'beside') {
    const beside = record.beside as Record<string, unknown> | undefined;
    if (
      typeof beside?.live !== 'string' ||
      typeof beside.incoming !== 'string' ||
      typeof beside.before !== 'string'
    )
      return undefined;
    marker.beside = { live: beside.live, incoming: beside.incoming, before: beside.before };
    return marker;
  }
  if (typeof record.safetyDump === 'string') marker.safetyDump = record.safetyDump;
  if (typeof record.dataVolume === 'string') marker.dataVolume = record.dataVolume;
  if (phase !== 'stopping') marker.destroyed = true;
  return marker;
}

export async function readMarkerState(stateDir: string): Promise<MarkerRead> {
  const file = markerPath(stateDir);
  const read = await readStateFile(file);
  if (read.kind !== 'text') return read;
  const marker = parseMarker(read.text);
  return marker
    ? { kind: 'marker', marker }
    : { kind: 'unreadable', file, reason: 'not a restore marker' };
}

/** The marker, if readable; an unreadable one is an error naming the file. */
export async function readMarker(stateDir: string): Promise<RestoreMarker | undefined> {
  const read = await readMarkerState(stateDir);
  if (read.kind === 'unreadable') throw unreadableMarkerError(read.file, read.reason);
  return read.kind === 'marker' ? read.marker : undefined;
}

function unreadableMarkerError(file: string, reason: string): OvenaError {
  return new OvenaError(
    `the restore marker ${file} cannot be read (${reason}): a restore may have stopped half-way; check the database, then complete it with "ovena --file=NAME restore" or remove the file`,
    ExitCode.busy,
  );
}

export async function writeMarker(stateDir: string, marker: RestoreMarker): Promise<void> {
  await writeFileAtomic(markerPath(stateDir), `${JSON.stringify(marker, null, 2)}\n`);
}

export async function removeMarker(stateDir: string): Promise<void> {
  await rm(markerPath(stateDir), { force: true });
}

/** The marker of a restore that destroyed the database and did not finish, if any. */
export async function readUnfinishedRestore(stateDir: string): Promise<RestoreMarker | undefined> {
  const read = await readMarkerState(stateDir);
  if (read.kind === 'unreadable') throw unreadableMarkerError(read.file, read.reason);
  return read.kind === 'marker' &&
    read.marker.phase !== 'stopping' &&
    read.marker.phase !== 'beside-loading'
    ? read.marker
    : undefined;
}

/**
 * Refuses (exit 75) when a restore's marker blocks this kind of operation (the table in
 * lock/lock-table.ts): the database is only partly there, or the marker cannot be read.
 */
export async function assertNoBlockingRestore(
  stateDir: string,
  kind: LockKind,
  doing: string,
): Promise<void> {
  const read = await readMarkerState(stateDir);
  if (read.kind === 'none') return;
  if (read.kind === 'unreadable') {
    if (markerBlocks.unreadable.includes(kind)) throw unreadableMarkerError(read.file, read.reason);
    return;
  }
  if (!markerBlocks[read.marker.phase].includes(kind)) return;
  if (read.marker.phase === 'beside-switching') {
    throw new OvenaError(
      `the switch of a beside restore of ${read.marker.dump} did not finish (${read.marker.beside?.live} may be renamed): "ovena start" finishes or undoes it; run it before ${doing}`,
      ExitCode.busy,
    );
  }
  throw new OvenaError(
    `a restore of ${read.marker.dump} did not finish and the database is only partly loaded${read.marker.load === 'fast' ? ' (a fast load with durability off was interrupted)' : ''}: complete it with "${finishRestoreCommand(read.marker)}" before ${doing}`,
    ExitCode.busy,
  );
}

/** The command that completes an unfinished restore (the same as the restore's own advice). */
export function finishRestoreCommand(
  marker: Pick<RestoreMarker, 'dump'> & { mode?: string },
): string {
  // A half beside switch is finished or undone by a start (issue 18).
  if (marker.mode === 'beside') return 'ovena start';
  return `ovena --file=${marker.dump} restore`;
}
