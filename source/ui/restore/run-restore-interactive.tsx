import { render } from 'ink';
import type { Compose } from '../../compose/compose.ts';
import { openCompose } from '../../compose/open-compose.ts';
import type { CommandContext } from '../../context.ts';
import { type DumpFile, listDumps, listDumpsQuick } from '../../dumps/list-dumps.ts';
import { withImagesCheck } from '../../images/check-job.ts';
import { childController } from '../../jobs/child-controller.ts';
import { lockedJob } from '../../lock/locked-job.ts';
import { besideJob } from '../../restore/beside/beside-job.ts';
import { preflightRestore, type RestoreOptions } from '../../restore/preflight.ts';
import { restoreJob, startOrthancJob } from '../../restore/restore-job.ts';
import { safetyDumper } from '../../restore/safety-dumper.ts';
import { inkOptions } from '../ink-options.ts';
import { offerReconcile } from './offer-reconcile.ts';
import { RestoreApp, type RestoreServices } from './restore-app.tsx';

/** Picker → confirmation → live job → start question → verdict, on a terminal. */
export async function runRestoreInteractive(
  context: CommandContext,
  options: RestoreOptions,
  firstListing?: Promise<DumpFile[] | undefined>,
): Promise<number> {
  // The picker's first frame must not wait for compose (about 2 s with v1, and its CPU): the
  // listing finds the db container by its labels; compose is opened once the list shows.
  let composeReady: Promise<Compose> | undefined;
  let compose: Compose | undefined;
  const opened = async () => {
    composeReady ??= openCompose(context);
    compose ??= await composeReady;
    return compose;
  };
  if (options.file !== undefined) await opened();
  // The job and the start come after the checks, which opened compose.
  const ready = () => {
    if (!compose) throw new Error('compose is not open yet');
    return compose;
  };
  // Ink reads Ctrl-C as a key; a SIGINT from elsewhere (kill -INT), SIGTERM or SIGHUP (the SSH
  // connection dropped) aborts the same way, in every phase (the run's signal, cli/signals.ts).
  const { controller, dispose } = childController(context.signal);
  const { stateDir } = context.paths;
  let startJob: ReturnType<typeof withImagesCheck> | undefined;
  const services: RestoreServices = {
    listDumps: async (signal) => {
      const early = firstListing;
      firstListing = undefined;
      const quick =
        (await early) ?? (await listDumpsQuick(context.paths.composeFiles, context.env, signal));
      if (!quick) return listDumps(await opened(), signal);
      opened().catch(() => {}); // Ready for the checks; a failure shows there.
      return quick;
    },
    preflight: async (dump, onStatus, signal) =>
      preflightRestore(await opened(), dump, {
        stateDir,
        noSafetyDump: options.noSafetyDump,
        signal,
        onStatus,
      }),
    // The picker and the confirmation hold no lock (an open screen never fails the hourly
    // backup): the lock is the job's first step, once the operator confirmed.
    restoreJob: (plan) =>
      lockedJob(
        restoreJob(ready(), plan, { stateDir, safetyDumper, fastLoad: !options.noFastLoad }),
        stateDir,
        'restore',
        { detail: `of ${plan.dump.name}` },
      ),
    // The same job as "restore --beside": the load runs beside backups (its own lock kind); only
    // the switch takes the exclusive restore lock, for its seconds.
    besideJob: (plan) =>
      lockedJob(
        besideJob(ready(), plan, { stateDir, start: options.start !== false }),
        stateDir,
        'beside-load',
        { detail: `of ${plan.dump.name}` },
      ),
    startJob: () => {
      const job = startOrthancJob(ready());
      // The start ends with the images check (it takes its own lock, re-entrant in this process).
      startJob = withImagesCheck(job, ready(), stateDir);
      return { ...lockedJob(startJob, stateDir, 'start'), verdict: job.verdict };
    },
  };
  let exitCode = 1;
  try {
    const instance = render(
      <RestoreApp
        services={services}
        file={options.file}
        start={options.start}
        controller={controller}
        onExit={(code) => {
          exitCode = code;
        }}
      />,
      inkOptions(context.io),
    );
    await instance.waitUntilExit();
    // Only after a start (which opened compose): a restore cancelled at the picker offers nothing.
    if (exitCode === 0 && !controller.signal.aborted && startJob && compose)
      await offerReconcile(context, compose, startJob.imagesCheck(), controller.signal);
    return exitCode;
  } finally {
    dispose();
  }
}
