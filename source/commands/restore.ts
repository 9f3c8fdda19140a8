import type { CommandContext } from '../cli/context.ts';
import { writeLine } from '../cli/context.ts';
import { booleanOption, stringOption } from '../cli/parse-args.ts';
import { openCompose } from '../compose/open-compose.ts';
import { defaultDumpName, restoreCandidates } from '../dumps/dump-name.ts';
import { listDumpsQuick } from '../dumps/list-dumps.ts';
import { checksError, ExitCode, UsageError } from '../errors.ts';
import { formatTimestamp } from '../format.ts';
import { imagesCheckJob } from '../images/check-job.ts';
import { executeJob } from '../jobs/execute-job.ts';
import { acquireLock } from '../lock/host-lock.ts';
import { planLines } from '../restore/plan-lines.ts';
import { preflightRestore, type RestoreOptions, type RestorePlan } from '../restore/preflight.ts';
import { leaveStoppedAdvice, restoreJob, startOrthancJob } from '../restore/restore-job.ts';
import { restoreDocument } from '../restore/restore-json.ts';
import { safetyDumper } from '../restore/safety-dumper.ts';

export function restoreOptions(context: CommandContext): RestoreOptions {
  const start = booleanOption(context.options, 'start');
  const noStart = booleanOption(context.options, 'no-start');
  if (start && noStart) throw new UsageError('--start and --no-start exclude each other');
  const file = stringOption(context.options, 'file');
  if (file !== undefined) restoreCandidates(file);
  return {
    file,
    noSafetyDump: booleanOption(context.options, 'no-safety-dump'),
    noFastLoad: booleanOption(context.options, 'no-fast-load'),
    start: start ? true : noStart ? false : undefined,
  };
}

export async function run(context: CommandContext): Promise<number> {
  const options = restoreOptions(context);
  if (booleanOption(context.options, 'undo')) {
    const { runUndo } = await import('./restore-undo.ts');
    return runUndo(context, options);
  }
  if (booleanOption(context.options, 'beside') && !booleanOption(context.options, 'dry-run')) {
    const { runBeside } = await import('./restore-beside.ts');
    return runBeside(context, options);
  }
  if (booleanOption(context.options, 'dry-run')) {
    const { runDryRun } = await import('./restore-dry-run.ts');
    return runDryRun(context, options);
  }
  if (context.interactive) {
    // The listing starts before Ink loads (about 0.7 s of CPU): the picker's first frame waits
    // for the slower of the two, not for both.
    const firstListing =
      options.file === undefined
        ? listDumpsQuick(context.paths.composeFiles, context.env).catch(() => undefined)
        : undefined;
    const { runRestoreInteractive } = await import('../ui/restore/run-restore-interactive.tsx');
    return runRestoreInteractive(context, options, firstListing);
  }
  // Off a terminal nobody can type the dump's name: --yes stands for that confirmation.
  if (!context.yes) {
    throw new UsageError(
      'restore destroys the current database and needs a confirmation: off a terminal, pass --yes',
    );
  }
  const out = context.json ? context.io.stderr : context.io.stdout;
  const compose = await openCompose(context);
  const { signal } = context;
  const name = options.file ?? defaultDumpName;
  const lock = await acquireLock(context.paths.stateDir, 'restore', { detail: `of ${name}` });
  try {
    let plan: RestorePlan;
    try {
      plan = await preflightRestore(compose, name, {
        stateDir: context.paths.stateDir,
        noSafetyDump: options.noSafetyDump,
        signal,
        onStatus: (line) => writeLine(out, `${formatTimestamp(Date.now())} preflight: ${line}`),
      });
    } catch (error) {
      throw checksError(error, signal);
    }
    await lock.describe(`of ${plan.dump.name}`);
    for (const line of planLines(plan)) writeLine(out, line);
    // With --json, stdout gets one document for the whole run (restore, then start if asked).
    const job = restoreJob(compose, plan, {
      stateDir: context.paths.stateDir,
      safetyDumper,
      fastLoad: !options.noFastLoad,
    });
    const restored = { job, result: await executeJob(job, context, { jsonDocument: false }) };
    const document = (start?: typeof restored) => {
      if (context.json)
        writeLine(context.io.stdout, JSON.stringify(restoreDocument(restored, start)));
    };
    if (restored.result.outcome !== 'succeeded' || options.start !== true) {
      document();
      if (restored.result.outcome !== 'succeeded') return restored.result.exitCode;
      writeLine(out, leaveStoppedAdvice);
      return ExitCode.ok;
    }
    const startJob = startOrthancJob(compose);
    const started = {
      job: startJob,
      result: await executeJob(startJob, context, { jsonDocument: false }),
    };
    if (started.result.outcome !== 'succeeded') {
      document(started);
      return started.result.exitCode;
    }
    // The dump and the image files rarely come from the same moment: compare them all. Its
    // result is recorded (status, check); the one JSON document stays the restore's and start's.
    const check = imagesCheckJob(compose, context.paths.stateDir, { tolerateFailure: true });
    const checked = await executeJob(check, context, { jsonDocument: false });
    document(started);
    return checked.outcome === 'interrupted' ? checked.exitCode : started.result.exitCode;
  } finally {
    await lock.release();
  }
}
