import type { Compose } from '../compose/compose.ts';
import { backupDir } from '../dumps/dump-name.ts';
import type { DumpFile } from '../dumps/list-dumps.ts';
import { ExitCode, OvenaError } from '../errors.ts';
import { formatBytes } from '../format.ts';
import type { Job } from '../jobs/job.ts';
import { loadSteps } from '../load/load-steps.ts';
import { queryTarget } from '../load/pg-target.ts';
import { type DumpScan, type IndexCounts, scanDump } from '../load/scan-dump.ts';
import { withShareReader } from '../load/share-reader.ts';
import { removeLeftovers, startThrowaway, type Throwaway } from '../load/throwaway.ts';
import type { LastDrill } from '../records/last-drill.ts';
import { checkDiskNeed, type DiskNeed } from './disk-need.ts';

/** What a drill found, filled in step by step; the command turns it into the record. */
export type DrillState = {
  box?: Throwaway;
  disk?: DiskNeed;
  scan?: DumpScan;
  loadMs?: number;
  counts?: IndexCounts;
  schemaVersion?: string;
  rows?: number;
};

export function sqlCountOf(table: string): string {
  return `SELECT count(*) FROM ${table}`;
}

/**
 * The drill as data: prepare (leftovers, disk), read the dump once (whole? what does it hold?),
 * start a throw-away PostgreSQL, load it with the restore's loader, check it, remove it all.
 * The live database, Orthanc and their volumes are never touched. The command removes the
 * container and volume whatever happens (`state.box.remove()`).
 */
export function drillJob(compose: Compose, dump: DumpFile, state: DrillState): Job {
  const path = `${backupDir}/${dump.name}`;
  let sessions = 1;
  return {
    title: `Drill: load ${dump.name} into a throw-away database`,
    steps: [
      {
        id: 'prepare',
        title: 'Check the disk and remove leftovers of earlier drills',
        async run({ signal, log }) {
          const removed = await removeLeftovers(compose, signal);
          if (removed.length > 0)
            log(`removed leftovers of an earlier drill: ${removed.join(', ')}`);
          state.disk = await checkDiskNeed(compose, dump.name, dump.sizeBytes, signal);
          const free =
            state.disk.freeBytes === undefined
              ? 'free space unknown'
              : `${formatBytes(state.disk.freeBytes)} free`;
          return {
            summary: `needs about ${formatBytes(state.disk.needBytes)} of disk (${free} in ${state.disk.root ?? "docker's data root"}) and PostgreSQL's default memory (about 200 MB)`,
          };
        },
      },
      {
        id: 'scan',
        title: `Read ${dump.name} once: whole, and what it holds`,
        async run({ signal, progress }) {
          const total = dump.sizeBytes;
          progress({ done: 0, total, unit: 'bytes' });
          // Before any container starts: a dump that is not whole fails here, in seconds.
          state.scan = await withShareReader(compose, signal, (target) =>
            scanDump(target, path, {
              signal,
              onPosition: (bytes) =>
                progress({ done: Math.min(bytes, total), total, unit: 'bytes' }),
            }),
          );
          const rows = state.scan.tables.reduce((sum, table) => sum + table.rows, 0);
          const counts = state.scan.counts;
          return {
            summary: `${state.scan.tables.length} tables, ${rows} rows${counts ? `; ${describeCounts(counts)}` : ''}`,
          };
        },
      },
      {
        id: 'start',
        title: 'Start a throw-away PostgreSQL (no network, own volume)',
        async run({ signal }) {
          state.box = await startThrowaway(compose, 'drill', signal);
          return {
            summary: `container ${state.box.containerId.slice(0, 12)}, volume ${state.box.volume ?? '-'}`,
          };
        },
      },
      // The restore's own loader (load/load-steps.ts): the load time includes the index builds.
      ...loadSteps({
        path,
        dumpName: dump.name,
        sizeBytes: dump.sizeBytes,
        logStderr: false,
        scan: () => state.scan,
        async beforeLoad(signal) {
          const cpus = Number((await needBox(state).target.capture(['nproc'], signal)).trim());
          sessions = Math.max(1, Math.min(8, Math.floor(cpus) || 1));
        },
        // PostgreSQL's default maintenance_work_mem (64 MB) per session: the drill stays small.
        where: () => ({
          target: needBox(state).target,
          sessions,
          postDataSettings: ['SET max_parallel_workers_per_gather = 0'],
        }),
        onLoaded: (ms) => {
          state.loadMs = ms;
        },
      }),
      {
        id: 'check',
        title: "Check every table's rows, Orthanc's schema version and counts",
        async run({ signal }) {
          const box = needBox(state);
          const scan = state.scan;
          if (!scan) throw new Error('the dump was not scanned');
          const mismatches: string[] = [];
          let rows = 0;
          for (let index = 0; index < scan.tables.length; index += 50) {
            const batch = scan.tables.slice(index, index + 50);
            const counts = await queryTarget(
              box.target,
              batch.map((table) => sqlCountOf(table.table)).join(' UNION ALL '),
              signal,
            );
            batch.forEach((table, position) => {
              const loaded = Number(counts[position]);
              rows += loaded;
              if (loaded !== table.rows)
                mismatches.push(`${table.table} has ${loaded} rows, the dump holds ${table.rows}`);
            });
          }
          if (mismatches.length > 0) {
            throw new OvenaError(
              `row count check failed: ${mismatches.slice(0, 3).join('; ')}`,
              ExitCode.dataError,
            );
          }
          state.rows = rows;
          const [version] = await queryTarget(
            box.target,
            "SELECT CASE WHEN to_regclass('public.globalproperties') IS NULL THEN '-' ELSE coalesce((SELECT value FROM public.globalproperties WHERE property = 1), '-') END",
            signal,
          );
          if (!version || version === '-') {
            throw new OvenaError(
              "schema version check failed: Orthanc's schema version (GlobalProperties property 1) is not readable in the loaded database: this dump is not of Orthanc's index",
              ExitCode.dataError,
            );
          }
          state.schemaVersion = version;
          const types = await queryTarget(
            box.target,
            'SELECT resourcetype, count(*) FROM public.resources GROUP BY 1',
            signal,
          );
          const byType = new Map(types.map((line) => line.split('|') as [string, string]));
          state.counts = {
            patients: Number(byType.get('0') ?? 0),
            studies: Number(byType.get('1') ?? 0),
            series: Number(byType.get('2') ?? 0),
            instances: Number(byType.get('3') ?? 0),
          };
          const expected = scan.counts;
          if (expected && JSON.stringify(expected) !== JSON.stringify(state.counts)) {
            throw new OvenaError(
              `resources check failed: the loaded index has ${describeCounts(state.counts)}, the dump's resources block ${describeCounts(expected)}`,
              ExitCode.dataError,
            );
          }
          return {
            summary: `${scan.tables.length} tables and ${rows} rows as in the dump; schema version ${version}; ${describeCounts(state.counts)}`,
          };
        },
      },
      {
        id: 'remove',
        title: 'Remove the throw-away container and its volume',
        async run() {
          await state.box?.remove();
        },
      },
    ],
    describeState: () =>
      'the live database, Orthanc and their volumes were not touched; the throw-away container and volume are removed',
  };
}

function needBox(state: DrillState): Throwaway {
  if (!state.box) throw new Error('the throw-away PostgreSQL is not running');
  return state.box;
}

export function describeCounts(counts: IndexCounts): string {
  return `${counts.patients} patients, ${counts.studies} studies, ${counts.series} series, ${counts.instances} instances`;
}

/** The record of a finished drill (pass or fail). */
export function drillRecord(
  dump: DumpFile,
  state: DrillState,
  outcome: { pass: boolean; reason?: string; rtoSeconds?: number },
): LastDrill {
  const record: LastDrill = {
    at: new Date().toISOString(),
    dump: dump.name,
    dumpBytes: dump.sizeBytes,
    dumpModifiedAt: new Date(dump.modifiedMs).toISOString(),
    result: outcome.pass ? 'pass' : 'fail',
  };
  if (outcome.reason) record.reason = outcome.reason;
  const counts = state.counts ?? state.scan?.counts;
  if (counts) record.counts = counts;
  const version = state.schemaVersion ?? state.scan?.schemaVersion;
  if (version) record.schemaVersion = version;
  if (state.scan) record.tables = state.scan.tables.length;
  if (state.rows !== undefined) record.rows = state.rows;
  if (state.loadMs !== undefined) record.loadSeconds = Math.round(state.loadMs / 100) / 10;
  if (outcome.rtoSeconds !== undefined) record.rtoSeconds = outcome.rtoSeconds;
  return record;
}
