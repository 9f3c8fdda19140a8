import type { Compose } from '../compose/compose.ts';
import { backupDir } from '../dumps/dump-name.ts';
import type { DumpFile } from '../dumps/list-dumps.ts';
import { messageOf } from '../errors.ts';
import { formatDuration } from '../format.ts';
import { queryTarget, serviceTarget } from '../load/pg-target.ts';
import { describeDifference, type IndexCounts, scanDump } from '../load/scan-dump.ts';
import { listDumpsIn, withShareReader } from '../load/share-reader.ts';
import { readMarker } from '../lock/restore-marker.ts';
import { OrthancClient } from '../orthanc/client.ts';
import { type LastDrill, lastPassingDrill, readLastDrill } from '../records/last-drill.ts';
import { fixedStepsMs, readRestoreTimings } from '../records/restore-timings.ts';
import { keptDatabases } from './beside/kept.ts';
import { type DatabaseSummary, findDataVolume, summarizeDatabase } from './database-ops.ts';
import { countsOfStatistics } from './dump-check.ts';
import { pickDumpByName, type RestorePlan } from './preflight.ts';

export type DryRun = {
  plan: RestorePlan;
  /** Where the dump was read: the running db container, or a throw-away one (database down). */
  readIn: 'live' | 'throwaway';
  /** Orthanc's counts now: from Orthanc, else from the index in the database. */
  nowCounts: IndexCounts | undefined;
  difference: string | undefined;
  rto: { seconds: number; text: string } | undefined;
  /** What a dry run cannot know without starting something. */
  unknown: string[];
};

/** The RTO from the last passing drill, scaled to this dump's size, plus the measured fixed steps. */
export function rtoFromDrill(
  drill: Omit<LastDrill, 'lastPass'> | undefined,
  dump: DumpFile,
  fixedMs: number | undefined,
): DryRun['rto'] {
  if (drill?.result !== 'pass' || drill.loadSeconds === undefined || drill.dumpBytes <= 0)
    return undefined;
  const loadMs = drill.loadSeconds * 1000 * (dump.sizeBytes / drill.dumpBytes);
  const totalMs = loadMs + (fixedMs ?? 0);
  const basis =
    drill.dump === dump.name
      ? `the drill of this dump at ${drill.at}`
      : `the drill of ${drill.dump} at ${drill.at}, scaled to this dump's size`;
  return {
    seconds: Math.round(totalMs / 100) / 10,
    text: `${fixedMs === undefined ? 'at least ' : ''}${formatDuration(totalMs)} (load ${formatDuration(loadMs)} from ${basis}${fixedMs === undefined ? '; stop, new volume and start not yet measured here' : ` + stop, new volume and start ${formatDuration(fixedMs)}`})`,
  };
}

/**
 * `restore --dry-run`: the restore's preflight and plan, with nothing started, stopped or
 * written. The dump is read in the running db container, or in a throw-away container of its
 * image when the database is down; what cannot be known without starting it is said.
 */
export async function dryRunRestore(
  compose: Compose,
  dump: string | DumpFile,
  options: { stateDir: string; noSafetyDump: boolean; signal: AbortSignal },
): Promise<DryRun> {
  const { signal } = options;
  const unknown: string[] = [];
  const { dbService, orthancService } = compose.project;
  const { file, scan, readIn } = await withShareReader(compose, signal, async (target, how) => {
    const found =
      typeof dump === 'string' ? pickDumpByName(await listDumpsIn(target, signal), dump) : dump;
    return {
      file: found,
      scan: await scanDump(target, `${backupDir}/${found.name}`, { signal }),
      readIn: how,
    };
  });
  const dbRunning = readIn === 'live';
  let database: DatabaseSummary | undefined;
  let indexCounts: IndexCounts | undefined;
  if (dbRunning) {
    database = await summarizeDatabase(compose, signal).catch(() => undefined);
    if (database?.schemaVersion !== undefined) {
      const rows = await queryTarget(
        serviceTarget(compose),
        'SELECT resourcetype, count(*) FROM resources GROUP BY 1',
        signal,
      ).catch(() => []);
      const byType = new Map(rows.map((line) => line.split('|') as [string, string]));
      indexCounts = {
        patients: Number(byType.get('0') ?? 0),
        studies: Number(byType.get('1') ?? 0),
        series: Number(byType.get('2') ?? 0),
        instances: Number(byType.get('3') ?? 0),
      };
    }
  } else {
    unknown.push(
      `the ${dbService} database is not running: its size, tables and counts cannot be read without starting it (a dry run starts nothing)`,
    );
  }
  const volume = await findDataVolume(compose, signal).catch((error: unknown) => {
    unknown.push(`the database volume: ${messageOf(error)}`);
    return undefined;
  });
  const orthancRunning = (await compose.serviceState(orthancService, signal)).state === 'running';
  const orthanc = orthancRunning
    ? await new OrthancClient(compose.project.orthancUrl).statistics(signal).catch(() => undefined)
    : undefined;
  const nowCounts = orthanc ? countsOfStatistics(orthanc) : indexCounts;
  const marker = await readMarker(options.stateDir);
  let safetyDump: RestorePlan['safetyDump'] = { make: true };
  if (options.noSafetyDump) safetyDump = { make: false, reason: '--no-safety-dump was given' };
  else if (marker?.destroyed)
    safetyDump = {
      make: false,
      reason: `an earlier restore of ${marker.dump} did not finish, so the database is not the original`,
    };
  else if (database && database.tables === 0)
    safetyDump = { make: false, reason: 'the current database is empty' };
  const timings = await readRestoreTimings(options.stateDir);
  const rto = rtoFromDrill(
    lastPassingDrill(await readLastDrill(options.stateDir)),
    file,
    timings ? fixedStepsMs(timings) : undefined,
  );
  if (!rto)
    unknown.push('the recovery time: no passing drill on record ("ovena drill" measures it)');
  return {
    plan: {
      dump: file,
      path: `${backupDir}/${file.name}`,
      safetyDump,
      current: { dataVolume: volume?.name, database, orthanc, orthancRunning },
      startedDatabase: false,
      marker: marker?.destroyed ? marker : undefined,
      dumpScan: scan,
      keptDatabases: database ? ((await keptDatabases(compose, signal)) ?? []) : [],
    },
    readIn,
    nowCounts,
    difference: nowCounts && scan.counts ? describeDifference(nowCounts, scan.counts) : undefined,
    rto,
    unknown,
  };
}
