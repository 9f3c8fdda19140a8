import type { Compose } from '../../compose/compose.ts';
import { ExitCode, OvenaError } from '../../errors.ts';
import { formatBytes } from '../../format.ts';
import { recordRestore } from '../../history/guard.ts';
import type { Job } from '../../jobs/job.ts';
import { SkipStep } from '../../jobs/job.ts';
import { waitForOrthanc } from '../../lifecycle/start.ts';
import { type LoadWhere, loadSteps } from '../../load/load-steps.ts';
import type { HostLock } from '../../lock/host-lock.ts';
import { readMarkerState, removeMarker, writeMarker } from '../../lock/restore-marker.ts';
import type { RestorePlan } from '../preflight.ts';
import { checkLoaded, countsText, type LoadedCheck } from './check-loaded.ts';
import { liveLoadWhere } from './live-load.ts';
import { besideName } from './names.ts';
import {
  besideDatabases,
  createLikeLive,
  databaseNames,
  dropDatabase,
  dropWhenPossible,
} from './pg-admin.ts';
import { settleSwitch } from './settle.ts';
import { runSwitch, takeSwitchLock } from './switch.ts';
import type { SwitchNames } from './switch-sql.ts';
import { dieHook } from './test-hook.ts';

export type BesideJobOptions = {
  stateDir: string;
  start: boolean;
  now?: () => Date;
};

export type BesideOutcome = {
  names: SwitchNames | undefined;
  loaded: LoadedCheck | undefined;
  downtimeMs: number | undefined;
  switched: boolean;
};

/**
 * A restore beside the live database (issue 18): the dump is loaded into `<db>_restore_<UTC>`
 * while Orthanc keeps serving, checked, then switched in by renames in seconds; the previous
 * database stays as `<db>_before_<UTC>`. A failure before the switch drops the new database.
 */
export function besideJob(
  compose: Compose,
  plan: RestorePlan,
  options: BesideJobOptions,
): Job & { outcome: BesideOutcome } {
  const live = compose.project.dbName;
  const jobStarted = Date.now();
  const outcome: BesideOutcome = {
    names: undefined,
    loaded: undefined,
    downtimeMs: undefined,
    switched: false,
  };
  let created = false;
  let switchLock: HostLock | undefined;
  let where: LoadWhere | undefined;
  const again = `ovena --file=${plan.dump.name} restore --beside`;
  return {
    title: `Restore ${plan.dump.name} beside the live database`,
    outcome,
    steps: [
      {
        id: 'leftovers',
        title: 'Clean up after an earlier beside restore',
        async run({ signal }) {
          const done: string[] = [];
          const read = await readMarkerState(options.stateDir);
          if (read.kind === 'marker' && read.marker.phase === 'beside-switching')
            done.push(await settleSwitch(compose, options.stateDir, read.marker, signal));
          for (const leftover of await besideDatabases(compose, 'restore', signal)) {
            await dropDatabase(compose, leftover.name, signal);
            done.push(`dropped ${leftover.name}`);
          }
          if (read.kind === 'marker' && read.marker.phase === 'beside-loading')
            await removeMarker(options.stateDir);
          if (done.length === 0) throw new SkipStep('nothing left over');
          return { summary: done.join('; ') };
        },
      },
      {
        id: 'create',
        title: 'Create the new database beside the live one',
        async run({ signal }) {
          const now = options.now?.() ?? new Date();
          const names: SwitchNames = {
            live,
            incoming: besideName(live, 'restore', now),
            before: besideName(live, 'before', now),
          };
          const existing = await databaseNames(compose, signal);
          for (const name of [names.incoming, names.before]) {
            if (existing.has(name)) {
              throw new OvenaError(
                `a database named ${name} already exists: ovena will not reuse or overwrite it; wait a second and run "${again}" again, or drop it`,
                ExitCode.busy,
              );
            }
          }
          outcome.names = names;
          await writeMarker(options.stateDir, {
            dump: plan.dump.name,
            mode: 'beside',
            phase: 'beside-loading',
            beside: names,
            startedAt: new Date(jobStarted).toISOString(),
          });
          created = true;
          await createLikeLive(compose, names.incoming, signal);
          return { summary: names.incoming };
        },
      },
      ...loadSteps({
        path: plan.path,
        dumpName: plan.dump.name,
        sizeBytes: plan.dump.sizeBytes,
        loadTitle: `Load ${plan.dump.name} (Orthanc keeps running): schema, then each table's data`,
        scan: () => plan.dumpScan,
        async beforeLoad(signal) {
          dieHook(compose.env, 'load');
          const names = outcome.names as SwitchNames;
          where = await liveLoadWhere(compose, names.incoming, signal);
        },
        where: () => {
          if (!where)
            throw new OvenaError('the new database is not ready to load', ExitCode.failed);
          return where;
        },
      }),
      {
        id: 'check',
        title: 'Check the new database',
        async run({ signal }) {
          const names = outcome.names as SwitchNames;
          outcome.loaded = await checkLoaded(
            compose,
            names.incoming,
            plan.dumpScan?.counts,
            signal,
          );
          const loaded = outcome.loaded;
          return {
            summary: `${loaded.tables} tables, Orthanc schema version ${loaded.schemaVersion}, ${countsText(loaded.counts)} (as in the dump), ${formatBytes(loaded.sizeBytes)}`,
          };
        },
      },
      {
        id: 'switch',
        title: options.start
          ? 'Switch: stop Orthanc, rename both databases, start Orthanc'
          : 'Switch: stop Orthanc, rename both databases (Orthanc left stopped)',
        async run({ signal, progress, log }) {
          const names = outcome.names as SwitchNames;
          progress({ detail: 'taking the restore lock' });
          switchLock = await takeSwitchLock(
            options.stateDir,
            `of ${plan.dump.name} (switch)`,
            signal,
            log,
          );
          progress({ detail: 'stopping Orthanc' });
          const result = await runSwitch(compose, names, {
            stateDir: options.stateDir,
            dump: plan.dump.name,
            signal,
            start: options.start,
            waitForOrthanc: (s) => waitForOrthanc(compose, s, (detail) => progress({ detail })),
            log,
          });
          outcome.switched = true;
          outcome.downtimeMs = result.downtimeMs;
          const loaded = outcome.loaded;
          const unrecorded = loaded
            ? await recordRestore(options.stateDir, plan.path, jobStarted, {
                instances: loaded.counts.instances,
                tables: loaded.tables,
              })
            : undefined;
          if (unrecorded) log(unrecorded);
          return {
            summary:
              result.downtimeMs === undefined
                ? `previous database kept as ${names.before}; Orthanc left stopped`
                : `downtime ${(result.downtimeMs / 1000).toFixed(1)} s; previous database kept as ${names.before}`,
          };
        },
      },
    ],
    describeState(stoppedAt) {
      const names = outcome.names;
      if (stoppedAt === 'leftovers')
        return `nothing was created; the live database and Orthanc are untouched; run "${again}" again`;
      if (stoppedAt !== 'switch')
        return `the live database ${live} and Orthanc are untouched${names ? `; the new database ${names.incoming} is dropped (if the server does not answer, the next beside restore drops it)` : ''}`;
      return 'the switch did not complete: if it was rolled back (said above), the live database is unchanged and the new one was dropped; otherwise "ovena start" finishes or undoes the half switch';
    },
    successSummary() {
      const names = outcome.names;
      const loaded = outcome.loaded;
      const downtime =
        outcome.downtimeMs === undefined
          ? 'Orthanc is left stopped ("ovena start" starts it)'
          : `downtime ${(outcome.downtimeMs / 1000).toFixed(1)} s`;
      return `database restored beside from ${plan.dump.name}${loaded ? ` (${loaded.counts.instances} instances in the index)` : ''}; ${downtime}; the previous database is kept as ${names?.before ?? '?'} ("ovena restore --undo" switches back)`;
    },
    async cleanup() {
      await switchLock?.release();
      if (created && !outcome.switched && outcome.names) {
        const read = await readMarkerState(options.stateDir);
        // A switch that got as far as the renames is finished by "ovena start", never dropped here.
        if (read.kind === 'marker' && read.marker.phase === 'beside-switching') return;
        // Left with its marker when the server will not answer: the next beside restore drops it.
        if (await dropWhenPossible(compose, outcome.names.incoming))
          await removeMarker(options.stateDir);
      }
    },
  };
}
