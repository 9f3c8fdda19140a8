import type { Compose } from '../../compose/compose.ts';
import { OvenaError } from '../../errors.ts';
import { type RestoreMarker, readMarkerState, removeMarker } from '../../lock/restore-marker.ts';
import { stampOf } from './names.ts';
import { databaseNames, dropDatabase, runSql } from './pg-admin.ts';
import { allowSql, switchState } from './switch-sql.ts';

/**
 * After a crash in a beside switch (its marker is in phase `beside-switching`): if the renames
 * committed, finish (re-allow connections); if not, undo (re-allow the live database, drop the
 * half-switched restore database). Returns a sentence of what was done. The database must run.
 */
export async function settleSwitch(
  compose: Compose,
  stateDir: string,
  marker: RestoreMarker,
  signal?: AbortSignal,
): Promise<string> {
  const names = marker.beside;
  if (!names) throw new OvenaError('the beside restore marker names no databases');
  const state = switchState(names, await databaseNames(compose, signal));
  if (state === 'unknown') {
    throw new OvenaError(
      `the switch of a beside restore of ${marker.dump} stopped half-way and the databases ${names.live}, ${names.incoming} and ${names.before} are in no state ovena knows: check them with psql (the marker ${stateDir}/restore-in-progress.json is kept)`,
    );
  }
  let done: string;
  if (state === 'renamed') {
    await runSql(compose, allowSql([names.live, names.before], true), signal);
    done = `finished the interrupted switch of ${marker.dump}: ${names.live} is the restored database, the previous one is kept as ${names.before}`;
  } else {
    await runSql(compose, allowSql([names.live, names.incoming], true), signal);
    // A restore's half-loaded copy goes; a kept `_before_` database (an undo) stays.
    const isRestore = stampOf(names.incoming, compose.project.dbName, 'restore') !== undefined;
    if (isRestore) await dropDatabase(compose, names.incoming, signal);
    done = `undid the interrupted switch of ${marker.dump}: ${names.live} is the database it was before${isRestore ? `; ${names.incoming} was dropped` : ''}`;
  }
  await removeMarker(stateDir);
  return done;
}

/** Settles a beside marker if one is left: a switch is finished or undone; a load's is removed. */
export async function settleBesideMarker(
  compose: Compose,
  stateDir: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const read = await readMarkerState(stateDir);
  if (read.kind !== 'marker' || read.marker.mode !== 'beside') return undefined;
  if (read.marker.phase === 'beside-switching')
    return settleSwitch(compose, stateDir, read.marker, signal);
  return undefined;
}
