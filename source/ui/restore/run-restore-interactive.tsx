import { render } from 'ink';
import type { CommandContext } from '../../cli/context.ts';
import type { RestoreOptions } from '../../commands/restore.ts';
import { openCompose } from '../../compose/open-compose.ts';
import { listDumps } from '../../dumps/list-dumps.ts';
import { withImagesCheck } from '../../images/check-job.ts';
import { stopSignals } from '../../jobs/execute-job.ts';
import { acquireHostLock } from '../../lock/host-lock.ts';
import { preflightRestore, restoreJob, startOrthancJob } from '../../restore/restore-job.ts';
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
  const lock = await acquireHostLock(context.paths.stateDir, 'restore');
  const controller = new AbortController();
  // Ink reads Ctrl-C as a key; a SIGINT from elsewhere (kill -INT), SIGTERM or SIGHUP (the SSH
  // connection dropped) aborts the same way, in every phase.
  const onSignal = (signal: NodeJS.Signals) => controller.abort(signal);
  for (const signal of stopSignals) process.on(signal, onSignal);
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
    restoreJob: (plan) => restoreJob(compose, plan, { stateDir, safetyDumper }),
    startJob: () => {
      startJob = withImagesCheck(startOrthancJob(compose), compose, stateDir);
      return startJob;
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
    for (const signal of stopSignals) process.off(signal, onSignal);
    await lock.release();
  }
}
