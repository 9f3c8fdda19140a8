import type { Compose } from '../compose/compose.ts';
import { backupDir } from '../dumps/dump-name.ts';
import { ExitCode, OvenaError } from '../errors.ts';
import { formatBytes, formatDuration, formatRate } from '../format.ts';
import { recordRestore } from '../history/guard.ts';
import type { Job, Progress } from '../jobs/job.ts';
import { SkipStep, type Step } from '../jobs/job.ts';
import { waitForOrthanc } from '../lifecycle/start.ts';
import type { RestorePhase } from '../lock/lock-table.ts';
import { type RestoreMarker, removeMarker, writeMarker } from '../lock/restore-marker.ts';
import {
  type DatabaseSummary,
  findDataVolume,
  loadDump,
  removeDataVolume,
  summarizeDatabase,
  waitDatabaseReady,
} from './database-ops.ts';
import { fastLoadSteps } from './fast-load-steps.ts';
import { recordFixedSteps } from './fixed-step-timings.ts';
import type { RestorePlan } from './preflight.ts';
import { collectVerdict, describeVerdict, type Verdict } from './verdict.ts';

/** The backup engine's atomic, verified dump into the share (injected: restore never writes its own). */
export type SafetyDumper = (
  compose: Compose,
  options: { fileName: string; signal: AbortSignal; onProgress(progress: Progress): void },
) => Promise<{ file: string; sizeBytes: number; durationMs: number }>;

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
  /** false (--no-fast-load): the db service itself, one plain psql stream. Default: the fast load. */
  fastLoad?: boolean;
};

/** Where a restore stands, filled in as steps run, read by describeState. */
type Progressed = {
  safetyDump: string | undefined;
  loadedSummary: DatabaseSummary | undefined;
};

export function continueCommand(plan: RestorePlan): string {
  return `ovena --file=${plan.dump.name} restore`;
}

/**
 * Once the database is destroyed, "start it with ovena start" is wrong advice (start refuses on the
 * marker): a database that stopped under a load or check is for the same restore to finish.
 */
async function finishByRestore<T>(again: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (
      error instanceof OvenaError &&
      /service is not running .*"ovena start"$/.test(error.message)
    )
      throw new OvenaError(
        `${error.message.replace(/: start it with "ovena start"$/, '')}: the database stopped under the restore; run "${again}" to load it again`,
        error.exitCode,
      );
    throw error;
  }
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
  const jobStarted = Date.now();
  // Once an earlier run destroyed the database, this run starts in that phase, never before it.
  let phase: RestorePhase = plan.marker ? plan.marker.phase : 'stopping';
  const startedAt = plan.marker?.startedAt ?? new Date().toISOString();
  const fast = options.fastLoad !== false;
  const marker = (next: RestorePhase = phase): RestoreMarker => {
    phase = next;
    return {
      dump: plan.dump.name,
      mode: 'from-scratch',
      phase,
      ...(fast && phase === 'loading' ? { load: 'fast' as const } : {}),
      ...(done.safetyDump ? { safetyDump: done.safetyDump } : {}),
      ...(plan.current.dataVolume ? { dataVolume: plan.current.dataVolume } : {}),
      ...(phase !== 'stopping' ? { destroyed: true } : {}),
      startedAt,
    };
  };

  const plainLoad: Step[] = [
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
        await writeMarker(options.stateDir, marker('loading'));
        const started = Date.now();
        const total = plan.dump.sizeBytes;
        progress({ done: 0, total, unit: 'bytes' });
        await finishByRestore(again, () =>
          loadDump(compose, plan.path, {
            signal,
            onPosition: (bytes) => progress({ done: Math.min(bytes, total), total, unit: 'bytes' }),
            onStderrLine: (line) => {
              if (line.trim() !== '') log(line);
            },
          }),
        );
        progress({ done: total, total, unit: 'bytes' });
        const ms = Date.now() - started;
        return {
          summary: `${formatBytes(total)} in ${formatDuration(ms)} (${formatRate(total, ms)})`,
        };
      },
    },
  ];
  const fastLoad = fastLoadSteps(compose, plan, {
    beforeLoad: () => writeMarker(options.stateDir, marker('loading')),
  });

  return {
    title: `Restore ${plan.dump.name}`,
    cleanup: () => fastLoad.cleanup(),
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
          await writeMarker(options.stateDir, { ...marker('destroyed'), dataVolume: found.name });
          await removeDataVolume(compose, found.name, signal);
          return { summary: found.name };
        },
      },
      ...(fast ? fastLoad.steps : plainLoad),
      {
        id: 'check',
        title: 'Check the loaded database',
        async run({ signal, log }) {
          await writeMarker(options.stateDir, marker('checking'));
          const summary = await finishByRestore(again, () => summarizeDatabase(compose, signal));
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
          // The next backup compares its instance count with what this restore left.
          const unrecorded = await recordRestore(options.stateDir, plan.path, jobStarted, summary);
          if (unrecorded) log(unrecorded);
          return {
            summary: `${summary.tables} tables, Orthanc schema version ${summary.schemaVersion}, ${summary.instances ?? '?'} instances in the index, ${formatBytes(summary.sizeBytes)}`,
          };
        },
      },
    ]),
    describeState(stoppedAt) {
      switch (stoppedAt) {
        case 'safety-dump':
          return `nothing was changed: the database was not stopped${plan.startedDatabase ? ' (it was started to check the dump and is left running)' : ''}, Orthanc is as it was; run "${again}" again, or, if the current database cannot be read, "${again} --no-safety-dump" (its content is then lost)`;
        case 'stop':
          return `no data was destroyed, but Orthanc and the database may be stopped; ${safetyText()}; run "${again}" to restore, or "ovena start" to go back to the current database`;
        case 'remove-volume':
          return `services stopped; the database volume may already be removed (database may be empty); ${safetyText()}; run "${again}" to continue`;
        case 'start-db':
          return `Orthanc stopped, database volume removed (database empty); ${safetyText()}; run "${again}" to continue`;
        case 'load':
        case 'post-data':
        case 'analyze':
          return fast
            ? `Orthanc stopped, database only partly loaded by the fast load (durability off, never start Orthanc on it); ${safetyText()}; run "${again}" to load it again from the start`
            : `Orthanc stopped, database running but only partly loaded (do not start Orthanc on it); ${safetyText()}; run "${again}" to load it again from the start`;
        case 'durable':
          return `Orthanc stopped, database loaded by the fast load but not proven durable; ${safetyText()}; run "${again}" to load it again from the start`;
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
  'Orthanc is left stopped: put the image files back on the images share, run "ovena start", then "ovena images check" (it compares every file with the index; "ovena images reconcile" re-ingests files newer than the dump)';
