import type { Compose } from '../compose/compose.ts';
import { backupDir, restoreCandidates } from '../dumps/dump-name.ts';
import { type DumpFile, listDumps } from '../dumps/list-dumps.ts';
import { ExitCode, OvenaError, UsageError } from '../errors.ts';
import { formatBytes } from '../format.ts';
import type { DumpScan } from '../load/scan-dump.ts';
import { removeLeftovers } from '../load/throwaway.ts';
import { type MarkerRead, type RestoreMarker, readMarkerState } from '../lock/restore-marker.ts';
import { OrthancClient, type OrthancStatistics } from '../orthanc/client.ts';
import { type BesideVerdict, besideAdviceText, besideVerdict } from './beside/advice.ts';
import { keptDatabases } from './beside/kept.ts';
import type { KeptDatabase } from './beside/pg-admin.ts';
import { settleBesideMarker } from './beside/settle.ts';
import {
  type DatabaseSummary,
  findDataVolume,
  summarizeDatabase,
  waitDatabaseReady,
} from './database-ops.ts';
import { checkDumpForRestore } from './dump-check.ts';
import { refuseExternalDataVolume } from './external-volume.ts';
import { readyDatabase } from './ready-database.ts';

/*
 * The restore's preflight: everything checked and read before anything is stopped or destroyed.
 * Its plan is what the confirmation shows and what the restore job (restore-job.ts) runs.
 */

/** Everything known before anything is stopped or destroyed; the confirmation screen shows it. */
export type RestorePlan = {
  dump: DumpFile;
  /** The dump's path inside the db container. */
  path: string;
  /** Whether a safety dump will be made, and why not when it will not. */
  safetyDump: { make: true } | { make: false; reason: string };
  current: {
    dataVolume: string | undefined;
    database: DatabaseSummary | undefined;
    orthanc: OrthancStatistics | undefined;
    orthancRunning: boolean;
  };
  /** Set when preflight had to start the database (it was not running) to check the dump. */
  startedDatabase: boolean;
  /** A restore interrupted earlier; the database is not the original any more. */
  marker: RestoreMarker | undefined;
  /** The dump's own COPY rows and Orthanc counts, read during the verification pass. */
  dumpScan?: DumpScan | undefined;
  /** `<db>_before_*` databases kept by beside restores: a from-scratch restore destroys them too. */
  keptDatabases?: KeptDatabase[];
  /** What a from-scratch plan says about `--beside` (recommended, or why not). */
  besideAdvice?: string;
  /** The same as a choice: the confirmation screen offers beside when it is possible. */
  beside?: BesideVerdict;
};

export type PreflightOptions = {
  stateDir: string;
  noSafetyDump: boolean;
  signal: AbortSignal;
  onStatus?(line: string): void;
};

/** The dump a name stands for, from one listing of the share. */
export async function resolveDump(
  compose: Compose,
  name: string,
  signal?: AbortSignal,
): Promise<DumpFile> {
  return pickDumpByName(await listDumps(compose, signal), name);
}

/** The dump a name stands for in a listing; refuses an ambiguous name (x.sql.gz and x.sql.zst). */
export function pickDumpByName(dumps: readonly DumpFile[], name: string): DumpFile {
  const candidates = restoreCandidates(name);
  const found = dumps.filter((dump) => candidates.includes(dump.name));
  if (found.length > 1) {
    // x.sql.gz beside x.sql.zst or a plain x.sql: which one is meant is the operator's call.
    throw new UsageError(
      `--file=${name} matches ${found.length} dumps in ${backupDir} (${found.map((dump) => dump.name).join(', ')}): name one of them exactly, e.g. --file=${found[0]?.name}`,
    );
  }
  if (found[0]) return found[0];
  throw new OvenaError(
    `dump ${candidates.join(' or ')} not found in ${backupDir}: "ovena list" shows the dumps there`,
    ExitCode.noInput,
  );
}

/**
 * Preflight: nothing is stopped or destroyed here. The compose file and docker were checked by
 * openCompose; this finds and verifies the dump and reads what a restore would destroy.
 */
export async function preflightRestore(
  compose: Compose,
  dump: DumpFile | string,
  options: PreflightOptions,
): Promise<RestorePlan> {
  const { signal, onStatus } = options;
  refuseExternalDataVolume(compose);
  const earlier = await readMarkerState(options.stateDir);
  if (
    earlier.kind !== 'none' &&
    (earlier.kind === 'unreadable' || earlier.marker.phase !== 'stopping')
  ) {
    // A fast load killed with -9 leaves its one-off server running on the data volume: it goes
    // before the database service is started on that volume.
    const removed = await removeLeftovers(compose, signal);
    if (removed.length > 0)
      onStatus?.(`removed what an interrupted restore left: ${removed.join(', ')}`);
  }
  const { startedDatabase, databaseBroken } = await readyDatabase(compose, {
    ...options,
    ...destroyedBy(earlier),
  });
  try {
    const file = typeof dump === 'string' ? await resolveDump(compose, dump, signal) : dump;
    const path = `${backupDir}/${file.name}`;
    onStatus?.(`checking ${file.name} (${formatBytes(file.sizeBytes)}) from end to end`);
    const dumpScan = await checkDumpForRestore(compose, path, signal, databaseBroken !== undefined);
    onStatus?.(
      `${file.name}: complete compressed stream, pg_dump header and completion comment found`,
    );

    const read = await readMarkerState(options.stateDir);
    let marker = read.kind === 'marker' ? read.marker : undefined;
    if (read.kind === 'unreadable') {
      // Never read as "no marker": the database may be half-loaded, so no "safety" dump of it.
      onStatus?.(
        `the restore marker ${read.file} cannot be read (${read.reason}): treating the database as not the original`,
      );
      marker = {
        dump: '(unknown: unreadable marker)',
        mode: 'from-scratch',
        phase: 'destroyed',
        destroyed: true,
        startedAt: new Date().toISOString(),
      };
    }
    if (marker?.mode === 'beside') {
      // Issue 18: a beside restore never touched the live database's volume; a half switch is
      // finished or undone first (never a from-scratch restore on a half-renamed database).
      const settled = await settleBesideMarker(compose, options.stateDir, signal);
      onStatus?.(
        settled ?? `an earlier beside restore of ${marker.dump} left only its own database`,
      );
      marker = undefined;
    }
    if (marker && marker.phase === 'stopping') {
      // That restore stopped before removing the volume: the database is still the original.
      onStatus?.(
        `ignoring the marker of an earlier restore of ${marker.dump} (started ${marker.startedAt}): it stopped before destroying anything, so the current database is the original`,
      );
      marker = undefined;
    }
    const volume = await findDataVolume(compose, signal);
    const database = databaseBroken ? undefined : await readSummary(compose, signal);
    const orthancState = await compose.serviceState(compose.project.orthancService, signal);
    const orthancRunning = orthancState.state === 'running';
    const orthanc = orthancRunning
      ? await new OrthancClient(compose.project.orthancUrl)
          .statistics(signal)
          .catch(() => undefined)
      : undefined;

    let safetyDump: RestorePlan['safetyDump'] = { make: true };
    if (options.noSafetyDump) safetyDump = { make: false, reason: '--no-safety-dump was given' };
    else if (marker)
      safetyDump = {
        make: false,
        reason: `an earlier restore of ${marker.dump} did not finish, so the database is not the original${marker.safetyDump ? ` (its safety dump: ${marker.safetyDump})` : ''}`,
      };
    else if (database && database.tables === 0)
      safetyDump = { make: false, reason: 'the current database is empty' };
    else if (databaseBroken)
      safetyDump = {
        make: false,
        reason: `the current database does not start (${databaseBroken})`,
      };

    const kept = database ? ((await keptDatabases(compose, signal)) ?? []) : [];
    const beside = await besideVerdict(
      compose,
      file,
      database?.schemaVersion !== undefined && !marker,
      signal,
    );
    const advice = besideAdviceText(beside, file.name, compose.project.dbName);
    return {
      dump: file,
      path,
      safetyDump,
      current: { dataVolume: volume?.name, database, orthanc, orthancRunning },
      startedDatabase,
      marker,
      dumpScan,
      keptDatabases: kept,
      besideAdvice: advice,
      beside,
    };
  } catch (error) {
    if (startedDatabase && error instanceof OvenaError) {
      throw new OvenaError(
        `${error.message} (nothing was changed, except that the database was started to check the dump and is left running; Orthanc was not touched)`,
        error.exitCode,
      );
    }
    throw error;
  }
}

/** Why the database is not the original, when an earlier from-scratch restore removed it. */
function destroyedBy(earlier: MarkerRead): { destroyed?: string } {
  if (earlier.kind === 'unreadable') return { destroyed: 'the restore marker cannot be read' };
  if (earlier.kind === 'none' || earlier.marker.mode === 'beside') return {};
  if (earlier.marker.phase === 'stopping') return {};
  return { destroyed: `an earlier restore of ${earlier.marker.dump} removed it` };
}

/**
 * The current database's summary, read twice when the first try fails (a busy server may refuse
 * a connection for a moment); undefined only when it stays unreadable. An unreadable database
 * still gets its safety dump: pg_dump proves it can be read, or stops the restore before anything
 * is destroyed.
 */
async function readSummary(
  compose: Compose,
  signal: AbortSignal | undefined,
): Promise<DatabaseSummary | undefined> {
  try {
    return await summarizeDatabase(compose, signal);
  } catch {
    await waitDatabaseReady(compose, signal ?? new AbortController().signal, 30_000).catch(
      () => undefined,
    );
    return summarizeDatabase(compose, signal).catch(() => undefined);
  }
}

/** What the operator asked of a restore: the command line parses it, the command and the screen follow it. */
export type RestoreOptions = {
  file: string | undefined;
  noSafetyDump: boolean;
  /** --no-fast-load: the plain single-stream load through the db service. */
  noFastLoad: boolean;
  /** true: start Orthanc after; false: leave it stopped; undefined: ask (terminal) or leave stopped. */
  start: boolean | undefined;
};
