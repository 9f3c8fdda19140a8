import { waitForOrthanc } from '../commands/start.ts';
import type { Compose } from '../compose/compose.ts';
import { backupDir, restoreCandidates } from '../dumps/dump-name.ts';
import { type DumpFile, listDumps } from '../dumps/list-dumps.ts';
import { ExitCode, messageOf, OvenaError } from '../errors.ts';
import { formatBytes, formatDuration, formatRate } from '../format.ts';
import type { Job, Progress } from '../jobs/job.ts';
import { SkipStep } from '../jobs/job.ts';
import type { DumpScan } from '../load/scan-dump.ts';
import { OrthancClient, type OrthancStatistics } from '../orthanc/client.ts';
import {
  type DatabaseSummary,
  findDataVolume,
  loadDump,
  removeDataVolume,
  summarizeDatabase,
  waitDatabaseReady,
} from './database-ops.ts';
import { checkDumpForRestore } from './dump-check.ts';
import { recordFixedSteps } from './fixed-step-timings.ts';
import { type RestoreMarker, readMarker, removeMarker, writeMarker } from './restore-marker.ts';
import { collectVerdict, describeVerdict, type Verdict } from './verdict.ts';

/** The backup engine's atomic, verified dump into the share (injected: restore never writes its own). */
export type SafetyDumper = (
  compose: Compose,
  options: { fileName: string; signal: AbortSignal; onProgress(progress: Progress): void },
) => Promise<{ file: string; sizeBytes: number; durationMs: number }>;

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
  const candidates = restoreCandidates(name);
  const dumps = await listDumps(compose, signal);
  for (const candidate of candidates) {
    const found = dumps.find((dump) => dump.name === candidate);
    if (found) return found;
  }
  throw new OvenaError(
    `dump ${candidates.join(' or ')} not found in ${backupDir}: "ovena list" shows the dumps there`,
    ExitCode.noInput,
  );
}

/**
 * Starts the database alone when it is not running: the dump is read and verified inside its
 * container. Orthanc is not touched. Returns whether it had to start it.
 */
export async function ensureDatabaseRunning(
  compose: Compose,
  signal: AbortSignal,
  onStatus?: (line: string) => void,
): Promise<boolean> {
  const state = await compose.serviceState(compose.project.dbService, signal);
  if (state.state === 'running') return false;
  onStatus?.(
    `the database is ${state.state}: starting it alone to read the dump (Orthanc is not started)`,
  );
  await compose.up([compose.project.dbService], signal);
  await compose.waitHealthy(compose.project.dbService, { signal });
  await waitDatabaseReady(compose, signal);
  return true;
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
  let startedDatabase = false;
  let databaseBroken: string | undefined;
  try {
    startedDatabase = await ensureDatabaseRunning(compose, signal, onStatus);
  } catch (error) {
    // The disaster this tool exists for: the database will not start. The dump can still be read
    // in a one-off container, and the restore replaces the broken database; no safety dump.
    signal.throwIfAborted();
    databaseBroken = messageOf(error);
    onStatus?.(
      `the database does not start (${databaseBroken}): reading the dump in a one-off container; no safety dump can be made`,
    );
    // Its restart loop serves nothing, and compose v1 links a one-off container to the service's
    // running ones (which host networking refuses): stop it first.
    await compose.stop([compose.project.dbService], signal);
  }
  try {
    const file = typeof dump === 'string' ? await resolveDump(compose, dump, signal) : dump;
    const path = `${backupDir}/${file.name}`;
    onStatus?.(`checking ${file.name} (${formatBytes(file.sizeBytes)}) from end to end`);
    const dumpScan = await checkDumpForRestore(compose, path, signal, databaseBroken !== undefined);
    onStatus?.(`${file.name}: complete gzip stream, pg_dump header and completion comment found`);

    let marker = await readMarker(options.stateDir);
    if (marker && !marker.destroyed) {
      // That restore stopped before removing the volume: the database is still the original.
      onStatus?.(
        `ignoring the marker of an earlier restore of ${marker.dump} (started ${marker.startedAt}): it stopped before destroying anything, so the current database is the original`,
      );
      marker = undefined;
    }
    const volume = await findDataVolume(compose, signal);
    const database = databaseBroken
      ? undefined
      : await summarizeDatabase(compose, signal).catch(() => undefined);
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
    else if (!database)
      safetyDump = { make: false, reason: 'the current database could not be read' };

    return {
      dump: file,
      path,
      safetyDump,
      current: { dataVolume: volume?.name, database, orthanc, orthancRunning },
      startedDatabase,
      marker,
      dumpScan,
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

export function safetyDumpName(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `pre-restore-${stamp}.sql`;
}

export type RestoreJobOptions = {
  stateDir: string;
  safetyDumper: SafetyDumper;
  now?: () => Date;
};

/** Where a restore stands, filled in as steps run, read by describeState. */
type Progressed = {
  safetyDump: string | undefined;
  loadedSummary: DatabaseSummary | undefined;
};

export function continueCommand(plan: RestorePlan): string {
  return `ovena --file=${plan.dump.name} restore`;
}

/** The restore as data: each step is idempotent, so running the same restore again completes it. */
export function restoreJob(compose: Compose, plan: RestorePlan, options: RestoreJobOptions): Job {
  const { dbService, orthancService } = compose.project;
  const done: Progressed = { safetyDump: plan.marker?.safetyDump, loadedSummary: undefined };
  const safetyText = () =>
    done.safetyDump
      ? `safety dump ${done.safetyDump} is in ${backupDir}`
      : 'no safety dump was made';
  const again = continueCommand(plan);
  const marker = (): RestoreMarker => ({
    dump: plan.dump.name,
    ...(done.safetyDump ? { safetyDump: done.safetyDump } : {}),
    ...(plan.current.dataVolume ? { dataVolume: plan.current.dataVolume } : {}),
    ...(plan.marker?.destroyed ? { destroyed: true } : {}),
    startedAt: plan.marker?.startedAt ?? new Date().toISOString(),
  });

  return {
    title: `Restore ${plan.dump.name}`,
    steps: recordFixedSteps(options.stateDir, [
      {
        id: 'safety-dump',
        title: 'Safety dump of the current database',
        async run({ signal, progress }) {
          if (!plan.safetyDump.make) throw new SkipStep(plan.safetyDump.reason);
          const fileName = safetyDumpName(options.now?.() ?? new Date());
          const result = await options.safetyDumper(compose, {
            fileName,
            signal,
            onProgress: progress,
          });
          done.safetyDump = result.file.split('/').pop() ?? result.file;
          return {
            summary: `${done.safetyDump}, ${formatBytes(result.sizeBytes)} in ${formatDuration(result.durationMs)}`,
          };
        },
      },
      {
        id: 'stop',
        title: `Stop Orthanc and the database (data kept)`,
        async run({ signal }) {
          // Remember this restore; `destroyed` is only set just before the volume is removed.
          await writeMarker(options.stateDir, marker());
          await compose.stop([orthancService], signal);
          await compose.stop([dbService], signal);
        },
      },
      {
        id: 'remove-volume',
        title: 'Remove the database volume',
        async run({ signal }) {
          let found = await findDataVolume(compose, signal);
          if (!found) {
            // The container is gone (an earlier run removed it): create it, unstarted, to read its mounts.
            await compose.runOrFail(
              `creating the ${dbService} container`,
              ['up', '--no-start', '--no-deps', dbService],
              { signal },
            );
            found = await findDataVolume(compose, signal);
          }
          if (!found) throw new OvenaError(`the ${dbService} container could not be found`);
          // From here on the database is not the original one any more.
          await writeMarker(options.stateDir, {
            ...marker(),
            dataVolume: found.name,
            destroyed: true,
          });
          await removeDataVolume(compose, found.name, signal);
          return { summary: found.name };
        },
      },
      {
        id: 'start-db',
        title: 'Start the database alone on a fresh volume',
        async run({ signal, progress }) {
          await compose.up([dbService], signal);
          await compose.waitHealthy(dbService, {
            signal,
            onState: (state) => progress({ detail: `health: ${state.health ?? state.state}` }),
          });
          progress({ detail: 'pg_isready -h 127.0.0.1' });
          await waitDatabaseReady(compose, signal);
          const fresh = await summarizeDatabase(compose, signal);
          if (fresh.tables > 0) {
            throw new OvenaError(
              `the new database already holds ${fresh.tables} tables: the data volume was not replaced`,
            );
          }
        },
      },
      {
        id: 'load',
        title: `Load ${plan.dump.name}`,
        async run({ signal, progress, log }) {
          const started = Date.now();
          const total = plan.dump.sizeBytes;
          progress({ done: 0, total, unit: 'bytes' });
          await loadDump(compose, plan.path, {
            signal,
            onPosition: (bytes) => progress({ done: Math.min(bytes, total), total, unit: 'bytes' }),
            onStderrLine: (line) => {
              if (line.trim() !== '') log(line);
            },
          });
          progress({ done: total, total, unit: 'bytes' });
          const ms = Date.now() - started;
          return {
            summary: `${formatBytes(total)} in ${formatDuration(ms)} (${formatRate(total, ms)})`,
          };
        },
      },
      {
        id: 'check',
        title: 'Check the loaded database',
        async run({ signal }) {
          const summary = await summarizeDatabase(compose, signal);
          if (summary.tables === 0) {
            throw new OvenaError('the loaded database has no tables', ExitCode.dataError);
          }
          if (summary.schemaVersion === undefined) {
            throw new OvenaError(
              "the loaded database has no Orthanc index (no GlobalProperties/Resources tables): this dump is not of Orthanc's database",
              ExitCode.dataError,
            );
          }
          done.loadedSummary = summary;
          await removeMarker(options.stateDir);
          return {
            summary: `${summary.tables} tables, Orthanc schema version ${summary.schemaVersion}, ${summary.instances ?? '?'} instances in the index, ${formatBytes(summary.sizeBytes)}`,
          };
        },
      },
    ]),
    describeState(stoppedAt) {
      switch (stoppedAt) {
        case 'safety-dump':
          return `nothing was changed: the database was not stopped${plan.startedDatabase ? ' (it was started to check the dump and is left running)' : ''}, Orthanc is as it was; run "${again}" again`;
        case 'stop':
          return `no data was destroyed, but Orthanc and the database may be stopped; ${safetyText()}; run "${again}" to restore, or "ovena start" to go back to the current database`;
        case 'remove-volume':
          return `services stopped; the database volume may already be removed (database may be empty); ${safetyText()}; run "${again}" to continue`;
        case 'start-db':
          return `Orthanc stopped, database volume removed (database empty); ${safetyText()}; run "${again}" to continue`;
        case 'load':
          return `Orthanc stopped, database running but only partly loaded (do not start Orthanc on it); ${safetyText()}; run "${again}" to load it again from the start`;
        case 'check':
          return `Orthanc stopped, database loaded but its check failed; ${safetyText()}; run "${again}" to load it again, or choose another dump`;
        default:
          return undefined;
      }
    },
    successSummary() {
      const loaded = done.loadedSummary;
      return `database restored from ${plan.dump.name}${loaded ? ` (${loaded.instances ?? '?'} instances in the index)` : ''}; ${safetyText()}; Orthanc is stopped`;
    },
  };
}

/** Starting Orthanc on the restored database, then a verdict on the image files. */
export function startOrthancJob(compose: Compose): Job & { verdict(): Verdict | undefined } {
  let verdict: Verdict | undefined;
  return {
    title: 'Start Orthanc on the restored database',
    verdict: () => verdict,
    steps: [
      {
        id: 'start-orthanc',
        title: `Start Orthanc (${compose.project.orthancService})`,
        async run({ signal }) {
          await compose.up([compose.project.orthancService], signal);
        },
      },
      {
        id: 'wait-orthanc',
        title: 'Wait until Orthanc answers',
        async run({ signal, progress }) {
          return {
            summary: await waitForOrthanc(compose, signal, (detail) => progress({ detail })),
          };
        },
      },
      {
        id: 'verdict',
        title: 'Read a sample of instance files',
        async run({ signal }) {
          verdict = await collectVerdict(compose.project.orthancUrl, signal);
          return { summary: describeVerdict(verdict) };
        },
      },
    ],
    describeState: () =>
      'the database is restored; Orthanc may not be running: "ovena status" shows it, "ovena start" tries again',
    successSummary: () => (verdict ? describeVerdict(verdict) : undefined),
  };
}

export const leaveStoppedAdvice =
  'Orthanc is left stopped: put the image files back on the images share, then run "ovena start"';
