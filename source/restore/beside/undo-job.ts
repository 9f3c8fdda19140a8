import type { Compose } from '../../compose/compose.ts';
import { ExitCode, OvenaError } from '../../errors.ts';
import { formatAge, formatBytes } from '../../format.ts';
import type { Job } from '../../jobs/job.ts';
import { SkipStep } from '../../jobs/job.ts';
import { waitForOrthanc } from '../../lifecycle/start.ts';
import { besideName } from './names.ts';
import { besideDatabases, databaseNames } from './pg-admin.ts';
import { settleBesideMarker } from './settle.ts';
import { runSwitch } from './switch.ts';
import type { SwitchNames } from './switch-sql.ts';

/**
 * `ovena restore --undo`: the newest `<db>_before_*` becomes `<db>` again, the same seconds-long
 * switch as a beside restore; the database it replaces is kept as a new `<db>_before_<UTC>`, so a
 * second undo switches back again. Runs under the exclusive restore lock (taken by the command).
 */
export function undoJob(
  compose: Compose,
  options: { stateDir: string; start: boolean; now?: () => Date },
): Job & { outcome: { names?: SwitchNames; downtimeMs?: number | undefined } } {
  const live = compose.project.dbName;
  const outcome: { names?: SwitchNames; downtimeMs?: number | undefined } = {};
  return {
    title: `Switch ${live} back to its previous database`,
    outcome,
    steps: [
      {
        id: 'settle',
        title: 'Finish an interrupted switch',
        async run({ signal }) {
          const done = await settleBesideMarker(compose, options.stateDir, signal);
          if (!done) throw new SkipStep('none');
          return { summary: done };
        },
      },
      {
        id: 'switch',
        title: options.start
          ? 'Switch: stop Orthanc, rename both databases, start Orthanc'
          : 'Switch: stop Orthanc, rename both databases (Orthanc left stopped)',
        async run({ signal, progress, log }) {
          const [newest] = await besideDatabases(compose, 'before', signal);
          if (!newest) {
            throw new OvenaError(
              `there is no ${live}_before_* database to switch back to: only a beside restore keeps one`,
              ExitCode.noInput,
            );
          }
          const names: SwitchNames = {
            live,
            incoming: newest.name,
            before: besideName(live, 'before', options.now?.() ?? new Date()),
          };
          if ((await databaseNames(compose, signal)).has(names.before)) {
            throw new OvenaError(
              `a database named ${names.before} already exists: wait a second and run "ovena restore --undo --yes" again`,
              ExitCode.busy,
            );
          }
          outcome.names = names;
          log(
            `switching back to ${newest.name} (${formatBytes(newest.sizeBytes)}, ${formatAge(Date.now() - newest.at.getTime())} old)`,
          );
          const result = await runSwitch(compose, names, {
            stateDir: options.stateDir,
            dump: `${newest.name} (undo)`,
            signal,
            start: options.start,
            waitForOrthanc: (s) => waitForOrthanc(compose, s, (detail) => progress({ detail })),
            log,
          });
          outcome.downtimeMs = result.downtimeMs;
          return {
            summary: `${live} is ${newest.name} again; the database it replaced is kept as ${names.before}${result.downtimeMs === undefined ? '; Orthanc left stopped' : `; downtime ${(result.downtimeMs / 1000).toFixed(1)} s`}`,
          };
        },
      },
    ],
    describeState: (stoppedAt) =>
      stoppedAt === 'settle'
        ? 'nothing was switched'
        : 'the switch did not complete: if it was rolled back (said above), nothing changed; otherwise "ovena start" finishes or undoes the half switch',
  };
}
