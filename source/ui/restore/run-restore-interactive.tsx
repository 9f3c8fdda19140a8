import { render } from 'ink';
import { openCompose } from '../../compose/open-compose.ts';
import type { CommandContext } from '../../context.ts';
import { listDumps } from '../../dumps/list-dumps.ts';
import { withImagesCheck } from '../../images/check-job.ts';
import { childController } from '../../jobs/child-controller.ts';
import { lockedJob } from '../../lock/locked-job.ts';
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
): Promise<number> {
  const compose = await openCompose(context);
  // Ink reads Ctrl-C as a key; a SIGINT from elsewhere (kill -INT), SIGTERM or SIGHUP (the SSH
  // connection dropped) aborts the same way, in every phase (the run's signal, cli/signals.ts).
  const { controller, dispose } = childController(context.signal);
  const { stateDir } = context.paths;
  let startJob: ReturnType<typeof withImagesCheck> | undefined;
  const services: RestoreServices = {
    listDumps: (signal) => listDumps(compose, signal),
    preflight: (dump, onStatus, signal) =>
      preflightRestore(compose, dump, {
        stateDir,
        noSafetyDump: options.noSafetyDump,
        signal,
        onStatus,
      }),
    // The picker and the confirmation hold no lock (an open screen never fails the hourly
    // backup): the lock is the job's first step, once the operator confirmed.
    restoreJob: (plan) =>
      lockedJob(restoreJob(compose, plan, { stateDir, safetyDumper }), stateDir, 'restore', {
        detail: `of ${plan.dump.name}`,
      }),
    startJob: () => {
      const job = startOrthancJob(compose);
      // The start ends with the images check (it takes its own lock, re-entrant in this process).
      startJob = withImagesCheck(job, compose, stateDir);
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
    if (exitCode === 0 && !controller.signal.aborted)
      await offerReconcile(context, compose, startJob?.imagesCheck(), controller.signal);
    return exitCode;
  } finally {
    dispose();
  }
}
